-- The example's car inventory (database car_service, run as its owner after the car service
-- created its tables): for the 60 days from today (UTC), 10 cars a day at LIS-airport and none at
-- LIS-downtown (a trip with a car there is compensated). Running it again resets the cars.
INSERT INTO car_day (location, day, cars_total, cars_available)
SELECT location.id, CAST(now() AT TIME ZONE 'UTC' AS date) + day, location.cars, location.cars
FROM (VALUES ('LIS-airport', 10), ('LIS-downtown', 0)) AS location (id, cars),
     generate_series(0, 59) AS day
ON CONFLICT (location, day) DO UPDATE
    SET cars_total = EXCLUDED.cars_total,
        cars_available = EXCLUDED.cars_available;
