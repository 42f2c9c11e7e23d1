-- Fewer bytes per saga, second round (docs/performance.md, "Footprint changes (fifth session)").
-- Needs every older coordinator stopped before it runs (docs/operations.md, "Upgrading").
--
-- From this version on the coordinator writes
--   * in saga_instance.steps, a step's forward and compensation attempts under the keys "a" and
--     "c" (instead of "forwardAttempt" and "compensationAttempt"), and leaves out its start time
--     when the step has an "a" and started when the step before it finished (the first step:
--     when the saga was created). The keys "step" and "status", which SQL reads, are unchanged;
--     rows written before have no "a" and read unchanged;
--   * saga_log.command_id as null on a row caused by a reply (event type ReplyReceived) when it
--     is the engine's deterministic command id of the row's saga, step, phase and attempt
--     (saga_command_id, V50). Such a row's event has no "commandId" key, which a row written
--     before always has, or its command_id is set;
--   * in the ReplyReceived event of a saga_log row, no "bodyJson" when the reply body is "{}" and
--     no "outcome" when it is SUCCESS and the row is a STEP_SUCCEEDED (rows written before always
--     have both keys);
--   * saga_start_request.request_hash as the 32 bytes of the SHA-256 instead of 64 hex digits.

-- Written on every step (lock_version + 1) and read by nothing: the coordinator serialises a
-- saga's transitions with row locks (FOR UPDATE), not with an optimistic version. 8 bytes of every
-- row version; a dropped column costs nothing in rows written from now on.
ALTER TABLE saga_instance DROP COLUMN lock_version;

-- The view puts back the command id, the empty body and the outcome SUCCESS that reply rows leave
-- out. Otherwise as in V60.
CREATE OR REPLACE VIEW saga_log_entry AS
SELECT l.saga_id, l.seq, 0 AS entry, l.type::text AS type, l.step::text AS step,
       l.phase::text AS phase, l.attempt, k.command_id,
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
                'commandId', k.command_id))
                || jsonb_build_object('bodyJson', '{}'::text)
                || CASE WHEN l.type = 'STEP_SUCCEEDED'
                        THEN jsonb_build_object('outcome', 'SUCCESS'::text)
                        ELSE '{}'::jsonb END
                || l.event
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
-- a reply row without command_id and without commandId in its event: the deterministic one
CROSS JOIN LATERAL (
    SELECT COALESCE(l.command_id,
                    CASE WHEN l.event ->> 'type' = 'ReplyReceived' AND NOT l.event ? 'commandId'
                         THEN saga_command_id(l.saga_id, l.step, l.phase, l.attempt) END)
               AS command_id) AS k
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

-- The SHA-256 of a start's data as 32 bytes instead of 64 hex digits (every hash written so far
-- is 64 lowercase hex digits: CoordinatorService.requestHash). Rewrites the table.
ALTER TABLE saga_start_request
    ALTER COLUMN request_hash TYPE bytea USING decode(request_hash, 'hex');

-- The retention purge found a purged saga's start key through an index on saga_id, one entry
-- per key at a random place (saga ids are random), in pages split half full. A key's created_at
-- is its saga's created_at (both are the start's time, in the same transaction, since V1), so the
-- purge finds it by (created_at, saga_id) through an index on created_at, which grows at its
-- right end only and keeps its pages full. Nothing else reads start keys by saga_id.
CREATE INDEX saga_start_request_created_idx ON saga_start_request (created_at);
DROP INDEX saga_start_request_saga_idx;
