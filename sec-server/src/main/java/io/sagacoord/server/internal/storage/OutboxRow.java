package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A command waiting in {@code saga_outbox}; {@code id} is null until inserted. */
public record OutboxRow(
    Long id,
    UUID sagaId,
    String topic,
    String messageKey,
    Map<String, String> headers,
    String payload,
    Instant createdAt) {}
