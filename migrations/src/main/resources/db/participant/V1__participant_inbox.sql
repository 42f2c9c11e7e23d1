-- The participant inbox: one row per (saga, step, phase) a participant has seen.
-- It lives in the service's own database and is written in the same transaction as the
-- handler's own work, so "the effect happened" and "the outcome is recorded" commit together.
-- History table: participant_schema_history (never clashes with the service's own migrations).
CREATE TABLE saga_participant_inbox (
    saga_id          uuid         NOT NULL,
    step             varchar(200) NOT NULL,
    phase            varchar(16)  NOT NULL CHECK (phase IN ('forward', 'compensate')),
    saga_type        varchar(200) NOT NULL,
    command_type     varchar(200) NOT NULL,
    -- highest attempt asked so far: an older attempt is refused as stale
    attempt          integer      NOT NULL,
    -- attempt whose execution produced the stored outcome
    executed_attempt integer      NOT NULL,
    command_id       varchar(200) NOT NULL,
    outcome          varchar(32)  NOT NULL
        CHECK (outcome IN ('SUCCESS', 'BUSINESS_FAILURE', 'TECHNICAL_FAILURE', 'REFUSED')),
    -- reply body exactly as sent (JSON text), re-sent for duplicates
    reply_body       text         NOT NULL,
    -- true for the row a compensation leaves behind for a step it never saw: the forward
    -- command must then be refused (FENCED), never executed
    fence            boolean      NOT NULL DEFAULT false,
    created_at       timestamptz  NOT NULL,
    updated_at       timestamptz  NOT NULL,
    PRIMARY KEY (saga_id, step, phase)
);

-- retention purge deletes by age
CREATE INDEX saga_participant_inbox_updated_at_idx ON saga_participant_inbox (updated_at);
