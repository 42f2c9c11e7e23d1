package io.sagacoord.dsl.engine;

import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The state of one step. Attempt numbers only grow (1, 2, ...), so a reply or timer of an older
 * attempt is recognised as stale; an operator retry grants a fresh budget by moving the base.
 *
 * @param step step name
 * @param status step status
 * @param forwardAttempt number of the latest forward attempt, 0 before the first
 * @param compensationAttempt number of the latest compensation attempt, 0 before the first
 * @param commandId id of the outstanding command, null when none is outstanding
 * @param startedAt when the step was first reached, null while pending
 * @param finishedAt when it reached its latest settled status, null while in flight
 * @param lastError the latest failure (reason or outcome), null when none
 * @param forwardAttemptBase forward attempts made before the current retry budget (operator retry)
 * @param compensationAttemptBase compensation attempts made before the current budget
 */
public record StepState(
    String step,
    StepStatus status,
    int forwardAttempt,
    int compensationAttempt,
    UUID commandId,
    Instant startedAt,
    Instant finishedAt,
    String lastError,
    int forwardAttemptBase,
    int compensationAttemptBase) {

  public StepState {
    Objects.requireNonNull(step, "step must not be null");
    Objects.requireNonNull(status, "status must not be null");
  }

  /** A step not reached yet. */
  public static StepState pending(String step) {
    return new StepState(step, StepStatus.PENDING, 0, 0, null, null, null, null, 0, 0);
  }

  /** Forward attempts made in the current budget. */
  public int forwardAttemptsInBudget() {
    return forwardAttempt - forwardAttemptBase;
  }

  /** Compensation attempts made in the current budget. */
  public int compensationAttemptsInBudget() {
    return compensationAttempt - compensationAttemptBase;
  }

  /**
   * An attempt is outstanding: {@code IN_PROGRESS} (forward) or {@code COMPENSATING} with the given
   * attempt number and command id; the step counts as reached from {@code now} if it was not yet.
   */
  StepState sent(Phase phase, int attempt, UUID newCommandId, Instant now) {
    boolean forward = phase == Phase.FORWARD;
    return with(
        forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING,
        forward ? attempt : forwardAttempt,
        forward ? compensationAttempt : attempt,
        newCommandId,
        startedAt == null ? now : startedAt,
        null,
        lastError);
  }

  /**
   * Waiting for the back-off before the next attempt of {@code phase}: {@code RETRY_WAIT} or {@code
   * COMPENSATION_RETRY_WAIT}, no command outstanding, {@code error} the failure of the last one.
   */
  StepState waitingForRetry(Phase phase, String error) {
    StepStatus wait =
        phase == Phase.FORWARD ? StepStatus.RETRY_WAIT : StepStatus.COMPENSATION_RETRY_WAIT;
    return with(wait, forwardAttempt, compensationAttempt, null, startedAt, null, error);
  }

  /**
   * Waiting for the participant of {@code phase} to become available: {@code PARTICIPANT_WAIT} or
   * {@code COMPENSATION_PARTICIPANT_WAIT}, the attempt counters unchanged (the waiting attempt is
   * the next one), no command outstanding.
   */
  StepState waitingForParticipant(Phase phase, Instant now, String error) {
    boolean forward = phase == Phase.FORWARD;
    StepStatus wait =
        forward ? StepStatus.PARTICIPANT_WAIT : StepStatus.COMPENSATION_PARTICIPANT_WAIT;
    return with(
        wait,
        forwardAttempt,
        compensationAttempt,
        null,
        startedAt == null ? now : startedAt,
        null,
        error);
  }

  /** Whether the step waits for its participant, in either phase. */
  public boolean waitsForParticipant() {
    return status == StepStatus.PARTICIPANT_WAIT
        || status == StepStatus.COMPENSATION_PARTICIPANT_WAIT;
  }

  /** Settled in {@code newStatus} at {@code now}, no command outstanding, the last error kept. */
  StepState settled(StepStatus newStatus, Instant now) {
    return settled(newStatus, now, lastError);
  }

  /** Settled in {@code newStatus} at {@code now} because of {@code error}. */
  StepState settled(StepStatus newStatus, Instant now, String error) {
    return with(newStatus, forwardAttempt, compensationAttempt, null, startedAt, now, error);
  }

  /** Skipped at {@code now}: its condition was false, no attempt made. */
  StepState skipped(Instant now) {
    return with(StepStatus.SKIPPED, 0, 0, null, now, now, null);
  }

  /** The same state with {@code error} as the latest failure. */
  StepState withLastError(String error) {
    return with(
        status, forwardAttempt, compensationAttempt, commandId, startedAt, finishedAt, error);
  }

  /** A fresh forward retry budget: the attempts made so far no longer count. */
  StepState withFreshForwardBudget() {
    return withBases(forwardAttempt, compensationAttemptBase);
  }

  /** A fresh compensation retry budget: the attempts made so far no longer count. */
  StepState withFreshCompensationBudget() {
    return withBases(forwardAttemptBase, compensationAttempt);
  }

  private StepState with(
      StepStatus newStatus,
      int newForwardAttempt,
      int newCompensationAttempt,
      UUID newCommandId,
      Instant newStartedAt,
      Instant newFinishedAt,
      String newLastError) {
    return new StepState(
        step,
        newStatus,
        newForwardAttempt,
        newCompensationAttempt,
        newCommandId,
        newStartedAt,
        newFinishedAt,
        newLastError,
        forwardAttemptBase,
        compensationAttemptBase);
  }

  private StepState withBases(int newForwardBase, int newCompensationBase) {
    return new StepState(
        step,
        status,
        forwardAttempt,
        compensationAttempt,
        commandId,
        startedAt,
        finishedAt,
        lastError,
        newForwardBase,
        newCompensationBase);
  }
}
