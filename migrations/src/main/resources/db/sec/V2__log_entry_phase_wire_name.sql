-- The log entry view spells a phase as the Kafka header does (forward, compensate) everywhere,
-- in the events it rebuilds too, as the coordinator's reader and REST API do. The command id
-- (saga_command_id) still hashes the upper-case name, as the engine does.
CREATE OR REPLACE VIEW saga_log_entry AS
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
