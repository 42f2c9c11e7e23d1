package io.sagacoord.client;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A saga in a list; {@code currentSteps} are the steps in flight, waiting to retry or stuck. */
public record SagaSummary(
    UUID id,
    String sagaType,
    int definitionVersion,
    String status,
    String statusReason,
    String businessKey,
    List<String> currentSteps,
    Instant createdAt,
    Instant updatedAt) {}
