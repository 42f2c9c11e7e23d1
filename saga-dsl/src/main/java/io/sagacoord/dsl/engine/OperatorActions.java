package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.StepKind;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.protocol.Phase;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an operator may do to a saga: retry stuck steps, force compensation, resolve a FAILED saga
 * by hand. An action not allowed in the saga's state is REJECTED with the state unchanged.
 */
final class OperatorActions {

  private OperatorActions() {}

  /**
   * Retries the named step, or every stuck step. A FAILED saga returns to its previous status, each
   * stuck step gets a fresh budget and is attempted now, and the saga moves on; in a running or
   * compensating saga only steps waiting for a retry are sent now.
   */
  static <D> Transition retry(TransitionContext<D> transition, OperatorRetryStep retry) {
    SagaState before = transition.state();
    if (retry.step() != null && !before.steps().containsKey(retry.step())) {
      return transition.rejected("unknown step '" + retry.step() + "'");
    }
    SagaStatus status = before.status();
    if (status == SagaStatus.FAILED) {
      SagaStatus back =
          before.previousStatus() == null ? SagaStatus.RUNNING : before.previousStatus();
      transition.changeStatus(back, null, null);
      logAction(
          transition, LogEntryType.OPERATOR_RETRY, retry.step(), retry.actor(), retry.reason());
      boolean any = retryStuckSteps(transition, retry.step(), true);
      if (!any
          && retry.step() != null
          && before.step(retry.step()).status() != StepStatus.PENDING) {
        return transition.rejected("step '" + retry.step() + "' is not stuck");
      }
      if (back == SagaStatus.COMPENSATING) {
        transition.changeStatus(
            SagaStatus.COMPENSATING, byOperator("retried", retry.actor(), retry.reason()), null);
      }
      ForwardProgress.moveOn(transition);
      return transition.applied();
    }
    if (status == SagaStatus.RUNNING || status == SagaStatus.COMPENSATING) {
      logAction(
          transition, LogEntryType.OPERATOR_RETRY, retry.step(), retry.actor(), retry.reason());
      if (!retryStuckSteps(transition, retry.step(), false)) {
        return transition.rejected(
            retry.step() == null
                ? "no step is waiting for a retry"
                : "step '" + retry.step() + "' is not waiting for a retry");
      }
      return transition.applied();
    }
    return transition.rejected("saga is " + status);
  }

  /** Retries the named step, or every step (null); whether any was stuck. */
  private static <D> boolean retryStuckSteps(
      TransitionContext<D> transition, String only, boolean sagaWasFailed) {
    boolean any = false;
    for (String step : transition.state().steps().keySet()) {
      if (only == null || only.equals(step)) {
        any |= retryStuck(transition, step, sagaWasFailed);
      }
    }
    return any;
  }

  /**
   * Gives a stuck step a fresh budget and attempts it now; false when it is not stuck. A step is
   * stuck when it waits for a retry, or, in a FAILED saga, when it is frozen in flight, exhausted a
   * retriable forward policy or its compensation, or is a timed-out pivot.
   */
  private static <D> boolean retryStuck(
      TransitionContext<D> transition, String name, boolean sagaWasFailed) {
    StepState step = transition.step(name);
    StepKind kind = transition.stepDefinition(name).kind();
    StepStatus status = step.status();
    boolean forward =
        status == StepStatus.RETRY_WAIT
            || (sagaWasFailed
                && (status == StepStatus.IN_PROGRESS
                    || (status == StepStatus.TIMED_OUT && kind != StepKind.COMPENSATABLE)
                    || (status == StepStatus.FAILED && kind == StepKind.RETRIABLE)));
    boolean compensation =
        status == StepStatus.COMPENSATION_RETRY_WAIT
            || (sagaWasFailed
                && (status == StepStatus.COMPENSATING || status == StepStatus.COMPENSATION_FAILED));
    if (forward) {
      if (status == StepStatus.RETRY_WAIT
          && transition.status() != SagaStatus.RUNNING
          && !transition.isPivotWaitingForRetry(step)) {
        return false; // waiting for its compensation, not for a retry
      }
      transition.replaceStep(step.withFreshForwardBudget());
      Attempts.send(transition, name, Phase.FORWARD, step.forwardAttempt() + 1);
      return true;
    }
    if (compensation) {
      transition.replaceStep(step.withFreshCompensationBudget());
      Attempts.send(transition, name, Phase.COMPENSATE, step.compensationAttempt() + 1);
      return true;
    }
    return false;
  }

  /**
   * Compensates a running or FAILED saga whose pivot has not succeeded. From FAILED, steps frozen
   * in flight count as possibly done and failed compensations get a fresh budget; each is
   * compensated when its turn comes.
   */
  static <D> Transition forceCompensation(
      TransitionContext<D> transition, OperatorForceCompensation force) {
    SagaState before = transition.state();
    if (before.status() != SagaStatus.RUNNING && before.status() != SagaStatus.FAILED) {
      return transition.rejected("saga is " + before.status());
    }
    if (transition.pivotSucceeded()) {
      return transition.rejected("the pivot has succeeded: the saga can only move forward");
    }
    logAction(
        transition, LogEntryType.OPERATOR_FORCE_COMPENSATION, null, force.actor(), force.reason());
    if (before.status() == SagaStatus.FAILED) {
      for (StepState step : before.steps().values()) {
        switch (step.status()) {
          case IN_PROGRESS ->
              // its reply was ignored while FAILED: treat as possibly done
              transition.replaceStep(step.settled(StepStatus.TIMED_OUT, transition.now()));
          case COMPENSATING, COMPENSATION_RETRY_WAIT, COMPENSATION_FAILED ->
              transition.replaceStep(
                  step.withFreshCompensationBudget()
                      .settled(StepStatus.TIMED_OUT, transition.now()));
          default -> {}
        }
      }
    }
    Compensation.begin(transition, byOperator("forced", force.actor(), force.reason()));
    return transition.applied();
  }

  /** Settles a FAILED saga by hand: COMPENSATED if it was compensating, else COMPLETED. */
  static <D> Transition resolve(TransitionContext<D> transition, OperatorResolve resolve) {
    if (transition.status() != SagaStatus.FAILED) {
      return transition.rejected(
          "only a FAILED saga can be resolved; saga is " + transition.status());
    }
    boolean compensating = transition.state().previousStatus() == SagaStatus.COMPENSATING;
    logAction(transition, LogEntryType.OPERATOR_RESOLVED, null, resolve.actor(), resolve.reason());
    transition.endSaga(
        compensating ? SagaStatus.COMPENSATED : SagaStatus.COMPLETED,
        byOperator("resolved", resolve.actor(), resolve.reason()),
        compensating ? LogEntryType.SAGA_COMPENSATED : LogEntryType.SAGA_COMPLETED);
    return transition.applied();
  }

  private static String byOperator(String what, String actor, String reason) {
    return what + " by " + actor + (reason == null ? "" : ": " + reason);
  }

  private static <D> void logAction(
      TransitionContext<D> transition,
      LogEntryType type,
      String step,
      String actor,
      String reason) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("actor", actor);
    detail.put("reason", reason);
    transition.log(type, step, null, 0, null, detail);
  }
}
