package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.UUID;

/**
 * A durable timer in {@code saga_timer}; {@code step} and {@code phase} are null for a deadline.
 */
public record TimerRow(
    Long id, UUID sagaId, String kind, String step, String phase, int attempt, Instant dueAt) {}
