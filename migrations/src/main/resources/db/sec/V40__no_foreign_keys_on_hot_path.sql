-- Fewer row writes per saga step (docs/performance.md, "Changes in the third session").
--
-- Every INSERT into saga_log, saga_outbox and saga_timer ran a foreign-key check against
-- saga_instance (a SELECT ... FOR KEY SHARE per row: ten per three-step saga, the most frequent
-- statement of the benchmark). These rows are only ever written by the transaction that holds the
-- saga row locked (or has just inserted it), so the check can never fail; the retention purge
-- deletes them explicitly instead of by ON DELETE CASCADE.
ALTER TABLE saga_log DROP CONSTRAINT IF EXISTS saga_log_saga_id_fkey;
ALTER TABLE saga_outbox DROP CONSTRAINT IF EXISTS saga_outbox_saga_id_fkey;
ALTER TABLE saga_timer DROP CONSTRAINT IF EXISTS saga_timer_saga_id_fkey;

-- A timer is deleted by (saga_id, id) and found by saga or by due time: the primary key index on
-- id alone was one more index entry per timer that nothing needed.
ALTER TABLE saga_timer DROP CONSTRAINT IF EXISTS saga_timer_pkey;
-- Without a primary key the table needs a replica identity of its own, or a publication for
-- logical replication (CDC) that includes it would refuse every DELETE. FULL costs extra WAL only
-- with wal_level = logical.
ALTER TABLE saga_timer REPLICA IDENTITY FULL;
