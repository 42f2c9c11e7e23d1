package io.sagacoord.dsl.engine;

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

  StepState withStatus(StepStatus newStatus) {
    return new StepState(
        step,
        newStatus,
        forwardAttempt,
        compensationAttempt,
        commandId,
        startedAt,
        finishedAt,
        lastError,
        forwardAttemptBase,
        compensationAttemptBase);
  }

  StepState with(
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

  StepState withBases(int newForwardBase, int newCompensationBase) {
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
