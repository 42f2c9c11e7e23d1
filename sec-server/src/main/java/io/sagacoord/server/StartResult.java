package io.sagacoord.server;

import java.util.UUID;

/**
 * The outcome of a start request.
 *
 * @param sagaId the saga the request started (or had already started)
 * @param created true if this call started it; false if the idempotency key had already started it
 *     with the same body
 */
public record StartResult(UUID sagaId, boolean created) {}
