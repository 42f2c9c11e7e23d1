-- Fewer bytes per saga (docs/performance.md, "Footprint changes (fifth session)").
--
-- From this version on the coordinator writes
--   * in saga_instance.steps, a step's startedAt / finishedAt as whole microseconds after the
--     saga's created_at under the keys "s" / "f" (a number instead of an ISO-8601 string under a
--     long key); rows written before, and an instant finer than a microsecond, keep the ISO-8601
--     string under "startedAt" / "finishedAt". The keys "step" and "status", which SQL reads, are
--     unchanged;
--   * saga_log.kafka_topic as null when it is the protocol's reply topic
--     'saga.coordinator.replies' (a row with a kafka_partition and no topic came from it).

-- (status, created_at, id) without the COMPLETED sagas: most sagas end COMPLETED, and each of
-- them had an entry here from every non-HOT version of its row, in pages that were never filled
-- again. Every query that filters on a status other than COMPLETED (the list filtered by status,
-- the parked sagas, the oldest active saga, the stuck-saga scan) still finds its rows here; the
-- list filtered by COMPLETED walks saga_instance_created_idx instead, where nearly every row
-- matches. SagaQueryDao / SagaInstanceDao add "status <> 'COMPLETED'" to such queries so that a
-- generic plan (bind parameters) can use this index too.
CREATE INDEX saga_instance_status_open_idx ON saga_instance (status, created_at, id)
    WHERE status <> 'COMPLETED';
DROP INDEX saga_instance_status_created_idx;

-- The timeline view puts the reply topic back.
CREATE OR REPLACE VIEW saga_log_entry AS
SELECT l.saga_id, l.seq, 0 AS entry, l.type::text AS type, l.step::text AS step,
       l.phase::text AS phase, l.attempt, l.command_id,
       CASE WHEN l.type = 'SAGA_STARTED' AND jsonb_typeof(l.detail) = 'object'
                 AND NOT l.detail ? 'sagaType'
            THEN (SELECT jsonb_build_object('sagaType', i.saga_type,
                                            'version', i.definition_version,
                                            'fingerprint', i.fingerprint)
                  FROM saga_instance i WHERE i.id = l.saga_id) || l.detail
            ELSE l.detail END AS detail,
       CASE l.event ->> 'type'
            WHEN 'ReplyReceived' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step, 'phase', upper(l.phase), 'attempt', l.attempt,
                'commandId', l.command_id)) || l.event
            WHEN 'TimerFired' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step, 'phase', upper(l.phase), 'attempt', l.attempt)) || l.event
            WHEN 'OperatorRetryStep' THEN jsonb_strip_nulls(jsonb_build_object(
                'step', l.step)) || l.event
            ELSE l.event END AS event,
       l.occurred_at, l.handled_by,
       COALESCE(l.kafka_topic, CASE WHEN l.kafka_partition IS NOT NULL
                                    THEN 'saga.coordinator.replies' END)::varchar(249)
           AS kafka_topic,
       l.kafka_partition, l.kafka_offset
FROM saga_log l
UNION ALL
SELECT l.saga_id, l.seq, t.n::integer, t.e ->> 'type', t.e ->> 'step', c.phase, c.attempt,
       CASE WHEN t.e ? 'commandId' THEN (t.e ->> 'commandId')::uuid
            WHEN c.command THEN saga_command_id(l.saga_id, t.e ->> 'step', c.phase, c.attempt)
       END,
       t.e -> 'detail', NULL::jsonb,
       l.occurred_at, l.handled_by,
       COALESCE(l.kafka_topic, CASE WHEN l.kafka_partition IS NOT NULL
                                    THEN 'saga.coordinator.replies' END)::varchar(249),
       l.kafka_partition, l.kafka_offset
FROM saga_log l
CROSS JOIN LATERAL jsonb_array_elements(l.then_entries) WITH ORDINALITY AS t (e, n)
-- a COMMAND_SENT entry without phase is a forward one, without attempt the first attempt
CROSS JOIN LATERAL (
    SELECT t.e ->> 'type' = 'COMMAND_SENT' AS command,
           CASE WHEN t.e ->> 'type' = 'COMMAND_SENT' AND NOT t.e ? 'phase' THEN 'forward'
                ELSE t.e ->> 'phase' END AS phase,
           CASE WHEN t.e ->> 'type' = 'COMMAND_SENT' AND NOT t.e ? 'attempt' THEN 1
                ELSE (t.e ->> 'attempt')::integer END AS attempt) AS c;

-- saga_log is read only by saga (SagaLogDao: WHERE saga_id = ? ORDER BY seq). The primary key
-- (saga_id, seq) held one 36-byte entry per row in pages that split at random places (saga ids are
-- random); an index on saga_id alone keeps a saga's rows as one deduplicated entry (one key, a list
-- of row pointers): about 80 instead of 220 bytes per saga. What goes is the database's check
-- that (saga_id, seq) is unique. The coordinator never relied on it: a saga's log rows are only
-- written by the transaction that holds its saga_instance row locked (FOR UPDATE) and takes seq
-- from last_seq of that row (the same argument as for the foreign keys dropped in V40).
CREATE INDEX saga_log_saga_idx ON saga_log (saga_id);
ALTER TABLE saga_log DROP CONSTRAINT saga_log_pkey;
-- without a primary key, a publication for logical replication needs this to replicate the
-- retention purge's DELETEs (as saga_timer since V40)
ALTER TABLE saga_log REPLICA IDENTITY FULL;
