package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.UUID;

/**
 * One engine log entry as read from the view {@code saga_log_entry}: the {@code saga_log} rows
 * unfolded, one entry each, in order. {@code seq} is the row (transition) it belongs to, {@code
 * entry} its position in that row (0: the row's own columns; 1..n: its {@code then_entries}). Only
 * entry 0 carries the causing event; all entries of a row share its time, writer and Kafka origin.
 */
public record LogEntryRow(
    UUID sagaId,
    int seq,
    int entry,
    String type,
    String step,
    String phase,
    Integer attempt,
    UUID commandId,
    String detailJson,
    String eventJson,
    Instant occurredAt,
    String handledBy,
    String kafkaTopic,
    Integer kafkaPartition,
    Long kafkaOffset) {}
