package io.sagacoord.server.internal.persistence;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the append-only {@code saga_log}. {@code eventJson} is set on the first row of a
 * transition: the event that caused it (for replay); the Kafka coordinates are set when a reply
 * caused it.
 */
public record LogRow(
    UUID sagaId,
    int seq,
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
