package io.sagacoord.participant.internal;

import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.UUID;

/** One row of {@code saga_participant_inbox}. */
public record InboxRow(
    UUID sagaId,
    String step,
    Phase phase,
    String sagaType,
    String commandType,
    int attempt,
    int executedAttempt,
    String commandId,
    ReplyOutcome outcome,
    String replyBody,
    boolean fence) {}
