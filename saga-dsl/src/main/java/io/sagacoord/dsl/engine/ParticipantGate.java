package io.sagacoord.dsl.engine;

/**
 * Whether the engine may send a command to a participant now: the coordinator answers from the
 * participant's circuit breaker. Asked once for each command the engine is about to send; a {@code
 * false} makes the step wait for the participant (no attempt is spent) until a {@link
 * SagaEvent.ParticipantAvailable} for it. Every refusal is logged ({@link
 * LogEntryType#PARTICIPANT_UNAVAILABLE}), so a replay can give the same answers.
 */
@FunctionalInterface
public interface ParticipantGate {

  /** A gate that lets every command through: the engine's default. */
  ParticipantGate ALWAYS_OPEN = participant -> true;

  /**
   * Whether a command to {@code participant} may be sent now. A {@code true} may use up one of a
   * limited number of trial calls, so the engine asks only when it sends.
   */
  boolean mayCall(String participant);
}
