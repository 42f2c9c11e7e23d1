-- Fewer bytes per saga, third round: the saga_instance row.
-- Needs every older coordinator stopped before it runs (docs/operations.md, "Upgrading"): an older
-- one reads the fingerprint as text ("\x..."), which parks every saga, cannot read the steps and
-- reads the updated_at of a finished saga as null.
--
-- From this version on the coordinator writes in saga_instance.steps (StateMapper):
--   * no "step" name when it is the name of the step at the same position of the saga's pinned
--     definition (type, version, fingerprint), unless the step is in a status that SQL looks up by
--     name: IN_PROGRESS, RETRY_WAIT, COMPENSATING, COMPENSATION_RETRY_WAIT, COMPENSATION_FAILED
--     (SagaQueryDao.CURRENT_STEP_STATUSES), which are also kept in full under "status";
--   * no "status" when it is SUCCEEDED, and a one-letter code for the other settled statuses:
--     P (PENDING), K (SKIPPED), T (TIMED_OUT), F (FAILED), C (COMPENSATED);
--   * a step that succeeded on its first attempt, started when the step before it finished and
--     has nothing else to say as the bare number of its finish offset "f" (V60), and a step not
--     reached yet as null.
-- Rows written before always have "step" and "status" in every element and read unchanged; they
-- take the new form when their saga is next written. SQL reads the name and status of a step
-- only in the statuses kept in full.

-- One rewrite of the table (and its indexes) for two columns:
--   * the fingerprint of the saga's definition as the 32 bytes of its SHA-256 instead of 64 hex
--     digits (every fingerprint written so far is SagaDefinition.fingerprint(): 64 lowercase hex
--     digits); the coordinator still deals in hex (SagaInstanceDao: encode / decode). The view
--     below reads the column, so it goes and comes back with the hex digits;
--   * updated_at as null when it equals finished_at, which it does when the saga's last
--     transition made it terminal (V30 set finished_at from updated_at for the sagas terminal
--     then): 8 bytes less per finished saga. Readers take COALESCE(updated_at, finished_at)
--     (SagaInstanceDao.UPDATED_AT); a saga that is not terminal has no finished_at and always has
--     its updated_at, so the stuck-saga scan and its ORDER BY updated_at are unchanged.
DROP VIEW saga_log_entry;
ALTER TABLE saga_instance
    ALTER COLUMN fingerprint TYPE bytea USING decode(fingerprint, 'hex'),
    ALTER COLUMN updated_at DROP NOT NULL,
    ALTER COLUMN updated_at TYPE timestamptz
        USING CASE WHEN updated_at = finished_at THEN NULL ELSE updated_at END;

-- As in V70 but for the fingerprint, shown in hex as before.
CREATE VIEW saga_log_entry AS
SELECT l.saga_id, l.seq, 0 AS entry, l.type::text AS type, l.step::text AS step,
       l.phase::text AS phase, l.attempt, k.command_id,
       CASE WHEN l.type = 'SAGA_STARTED' AND jsonb_typeof(l.detail) = 'object'
                 AND NOT l.detail ? 'sagaType'
            THEN (SELECT jsonb_build_object('sagaType', i.saga_type,
                                            'version', i.definition_version,
                                            'fingerprint', encode(i.fingerprint, 'hex'))
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
