package io.sagacoord.server;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A read-only view of one saga instance, as stored. */
public record SagaView(
    UUID id,
    String sagaType,
    int definitionVersion,
    String status,
    String statusReason,
    JsonNode data,
    JsonNode steps,
    Instant deadline,
    Instant createdAt,
    Instant updatedAt) {}
