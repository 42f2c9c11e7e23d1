-- Back-off for outbox rows whose send failed: a failing row is retried later instead of being
-- claimed again on every pass (where it would hold the head of the queue and starve the rest).
ALTER TABLE saga_outbox
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz;
