-- Saga log of the coordinator. Applied by Flyway from classpath:db/sec with the history table
-- sec_schema_history, so it never clashes with a service's own migrations.
--
-- Rows written on a saga's hot path (saga_log, saga_outbox, saga_timer) have no foreign key to
-- saga_instance: only the transaction that holds the saga row locked (FOR UPDATE), or has just
-- inserted it, writes them, and the retention purge deletes them explicitly with their saga.

-- One row per saga, updated on every step. An ordinary step changes none of the indexed columns
-- and the pages keep free room (fillfactor 80), so its update is HOT (no new index entries).
-- steps is a JSON array in definition order (StateMapper describes its elements); SQL reads a
-- step's "step" and "status" only in the statuses that are always stored in full
-- (SagaQueryDao.CURRENT_STEP_STATUSES).
CREATE TABLE saga_instance (
    id                 uuid         PRIMARY KEY,
    saga_type          varchar(200) NOT NULL,
    definition_version integer      NOT NULL,
    -- the 32 bytes of the definition's SHA-256 (hex digits in Java and the API)
    fingerprint        bytea        NOT NULL,
    status             varchar(32)  NOT NULL,
    status_reason      text,
    -- the status before PARKED, so a resumed saga goes back to it
    previous_status    varchar(32),
    data               jsonb        NOT NULL,
    steps              jsonb        NOT NULL,
    deadline           timestamptz,
    business_key       varchar(200),
    created_at         timestamptz  NOT NULL,
    -- null when it equals finished_at; readers take COALESCE(updated_at, finished_at)
    updated_at         timestamptz,
    -- sequence number of the newest log row; the next one gets last_seq + 1 (contiguous per saga)
    last_seq           integer      NOT NULL DEFAULT 0,
    -- when the saga entered its current terminal status (COMPLETED, COMPENSATED, FAILED), null
    -- while it is not terminal; written only by the transition that changes the status
    finished_at        timestamptz,
    -- the context of the saga's start span when tracing is on (trace id 16 bytes, span id 8, trace
    -- flags 1): spans of timers, operator actions and replies without a trace context are its
    -- children after a restart too; null when tracing is off
    trace_context      bytea
) WITH (fillfactor = 80);
CREATE INDEX saga_instance_type_idx ON saga_instance (saga_type, created_at);
-- the list's free text finds a business key by its start: a pattern btree compares bytes, so a
-- prefix is a range of it whatever the database's collation, also in a generic plan
CREATE INDEX saga_instance_business_key_idx ON saga_instance (business_key varchar_pattern_ops)
    WHERE business_key IS NOT NULL;
-- keyset pagination of GET /api/sagas walks (created_at, id)
CREATE INDEX saga_instance_created_idx ON saga_instance (created_at, id);
-- the retention purge and pollers of finished sagas
CREATE INDEX saga_instance_finished_idx ON saga_instance (finished_at) WHERE finished_at IS NOT NULL;
-- every query filtered by a status other than COMPLETED (the list by status, the parked sagas,
-- the oldest active saga, the stuck-saga scan); such queries add "status <> 'COMPLETED'" so that
-- a generic plan uses this index too. Most sagas end COMPLETED and have no entry here. The saga
-- type rides along so that the overview counts the other statuses by type from this index alone.
CREATE INDEX saga_instance_status_open_idx ON saga_instance (status, created_at, id)
    INCLUDE (saga_type) WHERE status <> 'COMPLETED';

-- Append-only: one row per transition, never updated; deleted only with its saga by the
-- retention purge. The first log entry of the transition is in the columns, the entries that
-- follow from the same event in then_entries (a jsonb array). A row leaves out what the reader
-- derives from the row, the instance and the saga's pinned definition (LogFolding); the view
-- saga_log_entry puts it back.
-- Read only by saga (WHERE saga_id = ? ORDER BY seq): an index on saga_id alone keeps a saga's
-- rows as one deduplicated entry. (saga_id, seq) is unique because seq comes from last_seq of the
-- locked saga row.
CREATE TABLE saga_log (
    saga_id         uuid         NOT NULL,
    seq             integer      NOT NULL,
    type            varchar(64)  NOT NULL,
    step            varchar(200),
    -- null on a STEP_SUCCEEDED of a step: always 'forward'
    phase           varchar(16),
    attempt         integer,
    -- null on a reply row when it is the deterministic command id (saga_command_id)
    command_id      uuid,
    -- null when it is its type's default, or for COMMAND_SENT the pinned definition's
    detail          jsonb,
    -- the engine event that caused this transition; replaying these events reproduces the saga's
    -- state. Null on a STEP_SUCCEEDED from Kafka whose event is the bare reply.
    event           jsonb,
    occurred_at     timestamptz  NOT NULL,
    -- sec.instance-id of the coordinator that wrote the row
    handled_by      varchar(100),
    -- null when it is the protocol's reply topic and kafka_partition is set
    kafka_topic     varchar(249),
    kafka_partition integer,
    kafka_offset    bigint,
    then_entries    jsonb
);
CREATE INDEX saga_log_saga_idx ON saga_log (saga_id);
-- without a primary key, a publication for logical replication (CDC) that includes the table
-- needs this to replicate the retention purge's DELETEs
ALTER TABLE saga_log REPLICA IDENTITY FULL;

-- Commands waiting to be published. A row goes once the broker acknowledged the send; a row whose
-- send failed waits until next_attempt_at instead of holding the head of the queue.
CREATE TABLE saga_outbox (
    id              bigserial    PRIMARY KEY,
    saga_id         uuid         NOT NULL,
    topic           varchar(249) NOT NULL,
    message_key     varchar(200) NOT NULL,
    headers         jsonb        NOT NULL,
    payload         text         NOT NULL,
    created_at      timestamptz  NOT NULL,
    attempts        integer      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz
);
CREATE INDEX saga_outbox_saga_idx ON saga_outbox (saga_id);

-- Durable timers: step timeouts, retry back-off, saga deadline. Claimed with FOR UPDATE SKIP
-- LOCKED, so any coordinator instance can fire them and none fires one twice. Deleted by
-- (saga_id, id) and found by saga or by due time: no index on id alone.
CREATE TABLE saga_timer (
    id       bigserial    NOT NULL,
    saga_id  uuid         NOT NULL,
    kind     varchar(32)  NOT NULL,
    step     varchar(200),
    phase    varchar(16),
    attempt  integer      NOT NULL,
    due_at   timestamptz  NOT NULL
);
CREATE INDEX saga_timer_due_idx ON saga_timer (due_at);
CREATE INDEX saga_timer_saga_idx ON saga_timer (saga_id, step);
-- as for saga_log: DELETEs replicate without a primary key (costs WAL only with wal_level logical)
ALTER TABLE saga_timer REPLICA IDENTITY FULL;

-- Messages that could not be parsed or matched, with the reason. Kept for an operator, who may
-- re-feed one through the reply intake; the consumer moves on.
CREATE TABLE saga_quarantine (
    id              bigserial    PRIMARY KEY,
    reason          text         NOT NULL,
    saga_id         uuid,
    topic           varchar(249) NOT NULL,
    kafka_partition integer      NOT NULL,
    kafka_offset    bigint       NOT NULL,
    headers         jsonb        NOT NULL,
    raw_body        bytea,
    received_at     timestamptz  NOT NULL,
    redelivered_at  timestamptz,
    redelivered_by  varchar(200)
);
CREATE INDEX saga_quarantine_received_idx ON saga_quarantine (received_at);

-- Append-only record of every operator action (who, what, when, why, what came of it), also of
-- the refused ones. No foreign key to saga_instance: the audit outlives the retention purge.
CREATE TABLE saga_operator_audit (
    id            bigserial    PRIMARY KEY,
    saga_id       uuid,
    quarantine_id bigint,
    action        varchar(64)  NOT NULL,
    actor         varchar(200) NOT NULL,
    reason        text         NOT NULL,
    -- APPLIED, REJECTED, IGNORED or, for redeliveries, APPLIED / QUARANTINED_AGAIN
    outcome       varchar(32)  NOT NULL,
    detail        text,
    occurred_at   timestamptz  NOT NULL
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
-- database, not in one coordinator's memory, so every instance answers the same. Liveness: the
-- heartbeat interval the instance announces and when the coordinator last heard from it (its clock
-- at receipt); an instance whose last heartbeat is older than three intervals is dead, one without
-- an interval sends no heartbeats and is not judged.
CREATE TABLE saga_participant (
    participant           varchar(200) NOT NULL,
    instance              varchar(200) NOT NULL,
    version               varchar(100),
    command_types         jsonb        NOT NULL,
    compensation_types    jsonb        NOT NULL,
    announced_at          timestamptz  NOT NULL,
    received_at           timestamptz  NOT NULL,
    heartbeat_interval_ms bigint,
    last_heartbeat_at     timestamptz,
    PRIMARY KEY (participant, instance)
);

-- The shared state of each participant's circuit breaker. A coordinator whose own circuit opens
-- or closes writes it here; every coordinator reads the changes of the others at its poll interval
-- and moves its circuit the same way, so all agree within about two poll intervals. version grows
-- with every write: a reader applies each change once, in order.
CREATE TABLE saga_participant_circuit (
    participant varchar(200) PRIMARY KEY,
    -- OPEN or CLOSED (a half-open circuit is the open one whose open_until has passed)
    state       varchar(16)  NOT NULL,
    -- when an OPEN circuit half-opens; null when CLOSED
    open_until  timestamptz,
    changed_at  timestamptz  NOT NULL,
    changed_by  varchar(255) NOT NULL,
    version     bigint       NOT NULL
);

-- The command id the engine gives a command (io.sagacoord.dsl.internal.Hashing.commandId: a
-- name-based UUID, version 3, of "<sagaId>|<step>|<PHASE>|<attempt>").
CREATE FUNCTION saga_command_id(saga_id uuid, step text, phase text, attempt integer)
    RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT (substr(h, 1, 12) || '3' || substr(h, 14, 3)
        || substr('89ab', ((('x' || substr(h, 17, 1))::bit(4)::integer) & 3) + 1, 1)
        || substr(h, 18))::uuid
FROM (SELECT md5(convert_to(saga_id::text || '|' || step || '|' || upper(phase) || '|'
                            || attempt::text, 'UTF8')) AS h) AS x
$$;

-- Every log entry as its own row, in order (seq, entry), with what saga_log leaves out put back:
-- entry 0 is the row's own entry, entry n the n-th element of then_entries. The detail of a
-- COMMAND_SENT stays null where the row leaves it out: only the definition (code) knows it.
CREATE VIEW saga_log_entry AS
SELECT l.saga_id, l.seq, 0 AS entry, l.type::text AS type, l.step::text AS step,
       ph.phase::text AS phase, l.attempt, k.command_id,
       CASE WHEN l.detail IS NULL THEN
                CASE l.type
                     WHEN 'COMMAND_SENT' THEN NULL
                     WHEN 'EVENT_APPLIED' THEN NULL
                     WHEN 'SAGA_STARTED'
                         THEN (SELECT jsonb_build_object('sagaType', i.saga_type,
                                                         'version', i.definition_version,
                                                         'fingerprint', encode(i.fingerprint, 'hex'),
                                                         'deadline', NULL)
                               FROM saga_instance i WHERE i.id = l.saga_id)
                     WHEN 'SAGA_COMPLETED' THEN '{"reason": null}'::jsonb
                     ELSE '{}'::jsonb END
            WHEN l.type = 'SAGA_STARTED' AND jsonb_typeof(l.detail) = 'object'
                 AND NOT l.detail ? 'sagaType'
            THEN (SELECT jsonb_build_object('sagaType', i.saga_type,
                                            'version', i.definition_version,
                                            'fingerprint', encode(i.fingerprint, 'hex'))
                  FROM saga_instance i WHERE i.id = l.saga_id) || l.detail
            ELSE l.detail END AS detail,
       CASE v.event ->> 'type'
            WHEN 'ReplyReceived' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step, 'phase', ph.phase, 'attempt', l.attempt,
                'commandId', k.command_id))
                || jsonb_build_object('bodyJson', '{}'::text)
                || CASE WHEN l.type = 'STEP_SUCCEEDED'
                        THEN jsonb_build_object('outcome', 'SUCCESS'::text)
                        ELSE '{}'::jsonb END
                || v.event
            WHEN 'TimerFired' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step, 'phase', ph.phase, 'attempt', l.attempt)) || v.event
            WHEN 'OperatorRetryStep' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step)) || v.event
            ELSE v.event END AS event,
       l.occurred_at, l.handled_by,
       COALESCE(l.kafka_topic, CASE WHEN l.kafka_partition IS NOT NULL
                                    THEN 'saga.coordinator.replies' END)::varchar(249)
           AS kafka_topic,
       l.kafka_partition, l.kafka_offset
FROM saga_log l
-- a STEP_SUCCEEDED without phase is a forward one
CROSS JOIN LATERAL (
    SELECT COALESCE(l.phase, CASE WHEN l.type = 'STEP_SUCCEEDED' AND l.step IS NOT NULL
                                  THEN 'forward' END) AS phase) AS ph
-- the event as stored: a STEP_SUCCEEDED row from Kafka without one has the bare reply event
CROSS JOIN LATERAL (
    SELECT COALESCE(l.event,
                    CASE WHEN l.type = 'STEP_SUCCEEDED' AND l.kafka_partition IS NOT NULL
                         THEN '{"type": "ReplyReceived"}'::jsonb END) AS event) AS v
-- a reply row without command_id and without commandId in its event: the deterministic one
CROSS JOIN LATERAL (
    SELECT COALESCE(l.command_id,
                    CASE WHEN v.event ->> 'type' = 'ReplyReceived' AND NOT v.event ? 'commandId'
                         THEN saga_command_id(l.saga_id, l.step, ph.phase, l.attempt) END)
               AS command_id) AS k
UNION ALL
SELECT l.saga_id, l.seq, t.n::integer, c.type, x.e ->> 'step', c.phase, c.attempt,
       CASE WHEN x.e ? 'commandId' THEN (x.e ->> 'commandId')::uuid
            WHEN c.command THEN saga_command_id(l.saga_id, x.e ->> 'step', c.phase, c.attempt)
       END,
       CASE WHEN x.e ? 'detail' THEN x.e -> 'detail'
            WHEN c.type IN ('COMMAND_SENT', 'EVENT_APPLIED') THEN NULL
            WHEN c.type = 'SAGA_COMPLETED' THEN '{"reason": null}'::jsonb
            ELSE '{}'::jsonb END,
       NULL::jsonb,
       l.occurred_at, l.handled_by,
       COALESCE(l.kafka_topic, CASE WHEN l.kafka_partition IS NOT NULL
                                    THEN 'saga.coordinator.replies' END)::varchar(249),
       l.kafka_partition, l.kafka_offset
FROM saga_log l
CROSS JOIN LATERAL jsonb_array_elements(l.then_entries) WITH ORDINALITY AS t (e, n)
-- a step name alone is that step's COMMAND_SENT, everything else derived
CROSS JOIN LATERAL (
    SELECT CASE WHEN jsonb_typeof(t.e) = 'string'
                THEN jsonb_build_object('type', 'COMMAND_SENT', 'step', t.e #>> '{}')
                ELSE t.e END AS e) AS x
-- a COMMAND_SENT entry without phase is a forward one, without attempt the first attempt
CROSS JOIN LATERAL (
    SELECT x.e ->> 'type' AS type,
           x.e ->> 'type' = 'COMMAND_SENT' AS command,
           CASE WHEN x.e ->> 'type' = 'COMMAND_SENT' AND NOT x.e ? 'phase' THEN 'forward'
                ELSE x.e ->> 'phase' END AS phase,
           CASE WHEN x.e ->> 'type' = 'COMMAND_SENT' AND NOT x.e ? 'attempt' THEN 1
                ELSE (x.e ->> 'attempt')::integer END AS attempt) AS c;
