package io.sagacoord.client;

import java.util.UUID;

/**
 * The answer to a start: the saga id, and whether this call created the saga ({@code false}: the
 * idempotency key and body were seen before and the saga already existed).
 */
public record StartedSaga(UUID sagaId, boolean created) {}
