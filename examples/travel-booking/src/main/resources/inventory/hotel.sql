-- The example's hotel inventory (database hotel_service, run as its owner after the hotel service
-- created its tables): 20 rooms a night in two hotels for the 60 nights from today (UTC). In the
-- demo silent-inn answers too late on purpose; run as its own process it is an ordinary hotel.
-- Running it again resets the rooms.
INSERT INTO hotel_night (hotel_id, night, rooms_total, rooms_available)
SELECT hotel.id, CAST(now() AT TIME ZONE 'UTC' AS date) + day, 20, 20
FROM (VALUES ('harbour-hotel'), ('silent-inn')) AS hotel (id),
     generate_series(0, 59) AS day
ON CONFLICT (hotel_id, night) DO UPDATE
    SET rooms_total = EXCLUDED.rooms_total,
        rooms_available = EXCLUDED.rooms_available;
