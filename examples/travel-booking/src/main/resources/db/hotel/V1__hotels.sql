-- Hotel service: rooms per hotel and night, and the reservations that hold them.
CREATE TABLE hotel_night (
    hotel_id        TEXT NOT NULL,
    night           DATE NOT NULL,
    rooms_total     INTEGER NOT NULL CHECK (rooms_total >= 0),
    rooms_available INTEGER NOT NULL CHECK (rooms_available >= 0 AND rooms_available <= rooms_total),
    PRIMARY KEY (hotel_id, night)
);

CREATE TABLE hotel_reservation (
    id          UUID PRIMARY KEY,
    saga_id     UUID NOT NULL UNIQUE,
    hotel_id    TEXT NOT NULL,
    check_in    DATE NOT NULL,
    check_out   DATE NOT NULL CHECK (check_out > check_in),
    guest       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('RESERVED', 'CANCELLED')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
