-- The example's flight inventory (database flight_service, run as its owner after the flight
-- service created its tables). Dates count from today in UTC, so the file stays valid. Running
-- it again resets the seats.
INSERT INTO flight (id, origin, destination, departs_on, seats_total, seats_available)
VALUES ('SK4711', 'OSL', 'LIS', CAST(now() AT TIME ZONE 'UTC' AS date) + 14, 50, 50)
ON CONFLICT (id) DO UPDATE
    SET departs_on = EXCLUDED.departs_on,
        seats_total = EXCLUDED.seats_total,
        seats_available = EXCLUDED.seats_available;
