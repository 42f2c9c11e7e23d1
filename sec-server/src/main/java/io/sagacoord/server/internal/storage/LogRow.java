package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the append-only {@code saga_log}: one transition. The columns hold the transition's
 * first log entry; {@code thenJson} the entries that followed from the same event, in order (a JSON
 * array of {@code {type, step, phase, attempt, commandId, detail}}, null when there were none).
 * {@code eventJson} is the event that caused the transition (for replay); the Kafka coordinates are
 * set when a reply caused it.
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
    String thenJson,
    String eventJson,
    Instant occurredAt,
    String handledBy,
    String kafkaTopic,
    Integer kafkaPartition,
    Long kafkaOffset) {}
