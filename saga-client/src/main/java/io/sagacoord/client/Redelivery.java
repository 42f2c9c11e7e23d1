package io.sagacoord.client;

import java.util.UUID;

/**
 * The outcome of redelivering a quarantined message: {@code APPLIED}, or {@code QUARANTINED_AGAIN}
 * with the new quarantine id in {@code requarantinedAs} and the reason.
 */
public record Redelivery(
    long quarantineId, UUID sagaId, String outcome, Long requarantinedAs, String reason) {}
