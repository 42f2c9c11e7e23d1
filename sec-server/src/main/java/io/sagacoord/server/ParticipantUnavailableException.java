package io.sagacoord.server;

import java.time.Duration;

/**
 * A start refused at the door: a participant that its first commands go to cannot take them now (no
 * live instance, or an open circuit), and its definition (or {@code sec.liveness.when-unavailable};
 * for an open circuit {@code sec.circuit.start-when-open}) says to refuse such starts. Nothing was
 * written; retrying later with the same idempotency key is safe. The REST API answers 503 with
 * {@code Retry-After}.
 */
public class ParticipantUnavailableException extends SecException {
  private final String sagaType;
  private final String participant;
  private final Duration retryAfter;

  public ParticipantUnavailableException(
      String sagaType, String participant, String reason, Duration retryAfter) {
    super("saga '" + sagaType + "' not started: " + reason);
    this.sagaType = sagaType;
    this.participant = participant;
    this.retryAfter = retryAfter;
  }

  public String sagaType() {
    return sagaType;
  }

  /** The participant that cannot take the start's first command. */
  public String participant() {
    return participant;
  }

  /** How long a client should wait before trying again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
