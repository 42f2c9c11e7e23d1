package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of {@code saga_instance}. {@code stepsJson} is the engine's per-step state as JSON;
 * {@code lastSeq} is the sequence number of the saga's newest log row.
 */
public record SagaRow(
    UUID id,
    String sagaType,
    int definitionVersion,
    String fingerprint,
    String status,
    String statusReason,
    String previousStatus,
    String dataJson,
    String stepsJson,
    Instant deadline,
    String businessKey,
    Instant createdAt,
    Instant updatedAt,
    int lastSeq) {}
