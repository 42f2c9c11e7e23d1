-- Flight service: seats per flight and the reservations that hold them.
CREATE TABLE flight (
    id              TEXT PRIMARY KEY,
    origin          TEXT NOT NULL,
    destination     TEXT NOT NULL,
    departs_on      DATE NOT NULL,
    seats_total     INTEGER NOT NULL CHECK (seats_total >= 0),
    seats_available INTEGER NOT NULL CHECK (seats_available >= 0 AND seats_available <= seats_total)
);

CREATE TABLE flight_reservation (
    id           UUID PRIMARY KEY,
    saga_id      UUID NOT NULL UNIQUE,
    flight_id    TEXT NOT NULL REFERENCES flight (id),
    passenger    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('RESERVED', 'TICKETED', 'CANCELLED')),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
