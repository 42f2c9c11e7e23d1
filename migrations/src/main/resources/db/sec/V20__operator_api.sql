-- REST API of the coordinator: operator audit, participant registry, quarantine redelivery and
-- an index for keyset pagination of the saga list.

-- Append-only record of every operator action (who, what, when, why, what came of it), also of
-- the refused ones. No foreign key to saga_instance: the audit outlives the retention purge.
CREATE TABLE saga_operator_audit (
    id           bigserial    PRIMARY KEY,
    saga_id      uuid,
    quarantine_id bigint,
    action       varchar(64)  NOT NULL,
    actor        varchar(200) NOT NULL,
    reason       text         NOT NULL,
    -- APPLIED, REJECTED, IGNORED or, for redeliveries, APPLIED / QUARANTINED_AGAIN
    outcome      varchar(32)  NOT NULL,
    detail       text,
    occurred_at  timestamptz  NOT NULL
);
CREATE INDEX saga_operator_audit_saga_idx ON saga_operator_audit (saga_id, id);

-- Updates and deletes are refused by the database itself, not only by the code.
CREATE FUNCTION saga_operator_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'saga_operator_audit is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER saga_operator_audit_no_change
    BEFORE UPDATE OR DELETE ON saga_operator_audit
    FOR EACH ROW EXECUTE FUNCTION saga_operator_audit_append_only();

-- The newest announcement of each participant instance (from the registry topic). Kept in the
-- database, not in one coordinator's memory, so every instance answers the same.
CREATE TABLE saga_participant (
    participant        varchar(200) NOT NULL,
    instance           varchar(200) NOT NULL,
    version            varchar(100),
    command_types      jsonb        NOT NULL,
    compensation_types jsonb        NOT NULL,
    announced_at       timestamptz  NOT NULL,
    received_at        timestamptz  NOT NULL,
    PRIMARY KEY (participant, instance)
);

-- A quarantined message re-fed through the reply intake by an operator.
ALTER TABLE saga_quarantine ADD COLUMN redelivered_at timestamptz;
ALTER TABLE saga_quarantine ADD COLUMN redelivered_by varchar(200);

-- Keyset pagination of GET /api/sagas walks (created_at, id).
CREATE INDEX saga_instance_created_idx ON saga_instance (created_at, id);
