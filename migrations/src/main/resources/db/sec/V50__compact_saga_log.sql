-- Compact saga_log rows (docs/performance.md, "Footprint changes (fourth session)").
--
-- From this version on the coordinator leaves out of a saga_log row what it only repeats:
--   * in `event`, the fields step / phase / attempt / commandId of a ReplyReceived, TimerFired or
--     OperatorRetryStep event that equal the row's own columns;
--   * in `then_entries`, the commandId of a COMMAND_SENT entry that is the deterministic command
--     id of (saga, step, phase, attempt), its phase when it is forward and its attempt when it is
--     1, and the detail of a COMMAND_SENT entry ({participant,
--     topic, commandType}) that the saga's pinned definition determines (also in `detail` when
--     COMMAND_SENT is the row's first entry);
--   * in the detail of SAGA_STARTED, sagaType / version / fingerprint (the saga_instance columns).
-- An absent key means "derived"; rows written before have every key and read unchanged. The
-- coordinator's timeline (GET /api/sagas/{id}/log) and replay put everything back; this view puts
-- back all but the COMMAND_SENT detail, which only the definition (code) knows.

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
       l.occurred_at, l.handled_by, l.kafka_topic, l.kafka_partition, l.kafka_offset
FROM saga_log l
UNION ALL
SELECT l.saga_id, l.seq, t.n::integer, t.e ->> 'type', t.e ->> 'step', c.phase, c.attempt,
       CASE WHEN t.e ? 'commandId' THEN (t.e ->> 'commandId')::uuid
            WHEN c.command THEN saga_command_id(l.saga_id, t.e ->> 'step', c.phase, c.attempt)
       END,
       t.e -> 'detail', NULL::jsonb,
       l.occurred_at, l.handled_by, l.kafka_topic, l.kafka_partition, l.kafka_offset
FROM saga_log l
CROSS JOIN LATERAL jsonb_array_elements(l.then_entries) WITH ORDINALITY AS t (e, n)
-- a COMMAND_SENT entry without phase is a forward one, without attempt the first attempt
CROSS JOIN LATERAL (
    SELECT t.e ->> 'type' = 'COMMAND_SENT' AS command,
           CASE WHEN t.e ->> 'type' = 'COMMAND_SENT' AND NOT t.e ? 'phase' THEN 'forward'
                ELSE t.e ->> 'phase' END AS phase,
           CASE WHEN t.e ->> 'type' = 'COMMAND_SENT' AND NOT t.e ? 'attempt' THEN 1
                ELSE (t.e ->> 'attempt')::integer END AS attempt) AS c;
