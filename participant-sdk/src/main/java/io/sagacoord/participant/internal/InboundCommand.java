package io.sagacoord.participant.internal;

import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.UUID;

/** A command record whose headers and body have been checked and read. */
public record InboundCommand(
    UUID sagaId,
    String sagaType,
    String step,
    Phase phase,
    int attempt,
    String commandId,
    String commandType,
    String replyTopic,
    Instant deadline,
    String traceparent,
    Object command,
    HandlerRegistration<?> registration) {}
