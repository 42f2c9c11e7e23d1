-- Car service: cars per location and day, and the reservations that hold them.
CREATE TABLE car_day (
    location        TEXT NOT NULL,
    day             DATE NOT NULL,
    cars_total      INTEGER NOT NULL CHECK (cars_total >= 0),
    cars_available  INTEGER NOT NULL CHECK (cars_available >= 0 AND cars_available <= cars_total),
    PRIMARY KEY (location, day)
);

CREATE TABLE car_reservation (
    id          UUID PRIMARY KEY,
    saga_id     UUID NOT NULL UNIQUE,
    location    TEXT NOT NULL,
    pick_up     DATE NOT NULL,
    drop_off    DATE NOT NULL CHECK (drop_off > pick_up),
    driver      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('RESERVED', 'CANCELLED')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
