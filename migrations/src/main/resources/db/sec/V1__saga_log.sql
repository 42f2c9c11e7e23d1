-- Saga log of the coordinator. Applied by Flyway from classpath:db/sec with the history table
-- sec_schema_history, so it never clashes with a service's own migrations.

-- One row per saga. The per-step state is kept as jsonb (by step name, never by index) so that a
-- definition version with other steps needs no schema change.
CREATE TABLE saga_instance (
    id                 uuid         PRIMARY KEY,
    saga_type          varchar(200) NOT NULL,
    definition_version integer      NOT NULL,
    fingerprint        varchar(64)  NOT NULL,
    status             varchar(32)  NOT NULL,
    status_reason      text,
    -- the status before PARKED, so a resumed saga goes back to it
    previous_status    varchar(32),
    data               jsonb        NOT NULL,
    steps              jsonb        NOT NULL,
    deadline           timestamptz,
    business_key       varchar(200),
    created_at         timestamptz  NOT NULL,
    updated_at         timestamptz  NOT NULL,
    -- number of log rows so far; the next log row gets last_seq + 1 (contiguous per saga)
    last_seq           integer      NOT NULL DEFAULT 0,
    -- optimistic lock version (Spring Data JDBC @Version); row locks serialise the hot path
    lock_version       bigint       NOT NULL DEFAULT 0
);
CREATE INDEX saga_instance_status_idx ON saga_instance (status, updated_at);
CREATE INDEX saga_instance_type_idx ON saga_instance (saga_type, created_at);
CREATE INDEX saga_instance_business_key_idx ON saga_instance (business_key) WHERE business_key IS NOT NULL;

-- Append-only: one row per transition, never updated. Deleted only with its saga by the
-- retention purge.
CREATE TABLE saga_log (
    saga_id         uuid         NOT NULL REFERENCES saga_instance (id) ON DELETE CASCADE,
    seq             integer      NOT NULL,
    type            varchar(64)  NOT NULL,
    step            varchar(200),
    phase           varchar(16),
    attempt         integer,
    command_id      uuid,
    detail          jsonb,
    -- the engine event that caused this transition (null for rows that follow from the same
    -- event as an earlier row); replaying these events reproduces the saga's state
    event           jsonb,
    occurred_at     timestamptz  NOT NULL,
    -- sec.instance-id of the coordinator that wrote the row
    handled_by      varchar(100),
    kafka_topic     varchar(249),
    kafka_partition integer,
    kafka_offset    bigint,
    PRIMARY KEY (saga_id, seq)
);

-- Commands waiting to be published. A row goes once the broker acknowledged the send.
CREATE TABLE saga_outbox (
    id           bigserial    PRIMARY KEY,
    saga_id      uuid         NOT NULL REFERENCES saga_instance (id) ON DELETE CASCADE,
    topic        varchar(249) NOT NULL,
    message_key  varchar(200) NOT NULL,
    headers      jsonb        NOT NULL,
    payload      text         NOT NULL,
    created_at   timestamptz  NOT NULL
);
CREATE INDEX saga_outbox_saga_idx ON saga_outbox (saga_id);

-- Durable timers: step timeouts, retry back-off, saga deadline. Claimed with FOR UPDATE SKIP
-- LOCKED, so any coordinator instance can fire them and none fires one twice.
CREATE TABLE saga_timer (
    id       bigserial    PRIMARY KEY,
    saga_id  uuid         NOT NULL REFERENCES saga_instance (id) ON DELETE CASCADE,
    kind     varchar(32)  NOT NULL,
    step     varchar(200),
    phase    varchar(16),
    attempt  integer      NOT NULL,
    due_at   timestamptz  NOT NULL
);
CREATE INDEX saga_timer_due_idx ON saga_timer (due_at);
CREATE INDEX saga_timer_saga_idx ON saga_timer (saga_id, step);

-- Idempotent start: the same key and the same request body return the same saga.
CREATE TABLE saga_start_request (
    idempotency_key varchar(200) NOT NULL,
    saga_type       varchar(200) NOT NULL,
    request_hash    varchar(64)  NOT NULL,
    saga_id         uuid         NOT NULL,
    created_at      timestamptz  NOT NULL,
    PRIMARY KEY (saga_type, idempotency_key)
);
CREATE INDEX saga_start_request_saga_idx ON saga_start_request (saga_id);

-- Messages that could not be parsed or matched, with the reason. Kept for an operator; the
-- consumer moves on.
CREATE TABLE saga_quarantine (
    id              bigserial    PRIMARY KEY,
    reason          text         NOT NULL,
    saga_id         uuid,
    topic           varchar(249) NOT NULL,
    kafka_partition integer      NOT NULL,
    kafka_offset    bigint       NOT NULL,
    headers         jsonb        NOT NULL,
    raw_body        bytea,
    received_at     timestamptz  NOT NULL
);
CREATE INDEX saga_quarantine_received_idx ON saga_quarantine (received_at);
