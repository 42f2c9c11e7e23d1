-- Smaller footprint per saga (docs/performance.md, findings 3 and 4).

-- Finding 4: one saga_log row per transition. The first log entry of a transition keeps the
-- columns (type, step, phase, attempt, command_id, detail) and the causing event; the entries
-- that follow from the same event (e.g. the next COMMAND_SENT, the final SAGA_COMPLETED) go into
-- then_entries, in order, as a jsonb array of
-- {"type", "step", "phase", "attempt", "commandId", "detail"} (null and 0 fields left out).
-- Null when the transition logged a single entry.
ALTER TABLE saga_log ADD COLUMN then_entries jsonb;

-- Every log entry as its own row, in order (seq, entry): what saga_log held before the folding.
-- entry 0 is the row's own entry; entry n the n-th element of then_entries.
CREATE VIEW saga_log_entry AS
SELECT l.saga_id, l.seq, 0 AS entry, l.type::text AS type, l.step::text AS step,
       l.phase::text AS phase, l.attempt, l.command_id, l.detail, l.event, l.occurred_at,
       l.handled_by, l.kafka_topic, l.kafka_partition, l.kafka_offset
FROM saga_log l
UNION ALL
SELECT l.saga_id, l.seq, t.n::integer, t.e ->> 'type', t.e ->> 'step', t.e ->> 'phase',
       (t.e ->> 'attempt')::integer, (t.e ->> 'commandId')::uuid, t.e -> 'detail', NULL::jsonb,
       l.occurred_at, l.handled_by, l.kafka_topic, l.kafka_partition, l.kafka_offset
FROM saga_log l
CROSS JOIN LATERAL jsonb_array_elements(l.then_entries) WITH ORDINALITY AS t (e, n);

-- Finding 3: the per-step UPDATE of saga_instance must be a HOT update (no new index entries,
-- the new tuple version on the same page). That needs (a) no index on a column an ordinary step
-- changes (updated_at, steps, data, last_seq, lock_version) and (b) free room on the page.
--
-- finished_at: when the saga entered its current terminal status (COMPLETED, COMPENSATED,
-- FAILED), null while it is not terminal. Written by the transition that changes the status, so
-- the steps before it leave the index alone. Serves the retention purge (finished longer ago than
-- the retention) and pollers of finished sagas.
ALTER TABLE saga_instance ADD COLUMN finished_at timestamptz;
UPDATE saga_instance SET finished_at = updated_at
WHERE status IN ('COMPLETED', 'COMPENSATED', 'FAILED');

-- (status, updated_at) changed on every step. status alone changes only at the start of
-- compensation, at the end and on operator actions; (status, created_at, id) serves the list
-- filtered by status in keyset order, the parked sagas oldest first, the oldest active saga, the
-- stuck-saga scan (RUNNING/COMPENSATING, then a filter on updated_at) and the counts by status.
DROP INDEX saga_instance_status_idx;
CREATE INDEX saga_instance_status_created_idx ON saga_instance (status, created_at, id);
CREATE INDEX saga_instance_finished_idx ON saga_instance (finished_at) WHERE finished_at IS NOT NULL;
-- saga_instance_type_idx (saga_type, created_at), saga_instance_created_idx (created_at, id) and
-- saga_instance_business_key_idx cover columns that never change after the insert: kept.

-- Room on each page for the next version of its rows (applies to pages written from now on).
-- saga_log is append-only and keeps the default fillfactor of 100.
ALTER TABLE saga_instance SET (fillfactor = 80);
