-- Trip service: the trips customers booked, the payment taken at the pivot and the itinerary.
CREATE TABLE trip (
    id               UUID PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    request_hash     TEXT NOT NULL,
    saga_id          UUID NOT NULL UNIQUE,
    customer         TEXT NOT NULL,
    request          JSONB NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE payment (
    saga_id     UUID PRIMARY KEY,
    customer    TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    charged_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE itinerary (
    saga_id     UUID PRIMARY KEY,
    document    TEXT NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL
);
