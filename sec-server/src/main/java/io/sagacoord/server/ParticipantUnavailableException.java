package io.sagacoord.server;

import java.time.Duration;

/**
 * A start is refused because a participant of its first step has an open circuit: the saga could
 * not make progress, so nothing is written. The REST API answers 503 with {@code Retry-After}: the
 * time until the circuit half-opens. Retrying with the same idempotency key is safe.
 */
public class ParticipantUnavailableException extends CoordinatorBusyException {
  private final String sagaType;
  private final String participant;

  public ParticipantUnavailableException(String sagaType, String participant, Duration retryAfter) {
    super(
        "participant '"
            + participant
            + "' of the first step of "
            + sagaType
            + " is unavailable (its circuit is open)",
        retryAfter);
    this.sagaType = sagaType;
    this.participant = participant;
  }

  /** The saga type whose start was refused. */
  public String sagaType() {
    return sagaType;
  }

  /** The participant whose circuit is open. */
  public String participant() {
    return participant;
  }
}
