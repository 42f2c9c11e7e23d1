package io.sagacoord.client;

import java.util.UUID;

/** The result of an operator action: the saga's status right after it. */
public record ActionResult(UUID sagaId, String action, String status, String statusReason) {}
