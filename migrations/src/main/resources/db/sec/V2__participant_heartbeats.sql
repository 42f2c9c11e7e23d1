-- Liveness of participant instances: the heartbeat interval each instance announces, and when the
-- coordinator last heard from it (its clock at receipt). An instance whose last heartbeat is older
-- than three intervals is dead; one without an interval sends no heartbeats and is not judged.
ALTER TABLE saga_participant
    ADD COLUMN heartbeat_interval_ms bigint,
    ADD COLUMN last_heartbeat_at     timestamptz;
