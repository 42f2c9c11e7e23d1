package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.StepKind;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.List;
import java.util.Map;

/**
 * Undoing a saga: forward attempts in flight are awaited, then the steps that may have happened are
 * compensated one at a time in reverse definition order; a compensation answered with a business
 * failure, or one that exhausts a retry budget set in the definition, fails the saga.
 */
final class Compensation {

  private Compensation() {}

  /**
   * The saga starts to compensate; steps waiting for a retry are not retried, except the pivot: it
   * cannot be undone, so it is asked until its outcome is known.
   */
  static <D> void begin(TransitionContext<D> transition, String reason) {
    transition.changeStatus(SagaStatus.COMPENSATING, reason, null);
    transition.logSaga(LogEntryType.COMPENSATION_STARTED, Map.of("reason", reason));
    ParticipantWaits.compensationBegins(transition);
    for (StepState step : transition.state().steps().values()) {
      if (step.status() == StepStatus.RETRY_WAIT && !transition.isPivotWaitingForRetry(step)) {
        transition.emit(new CancelTimers(step.step()));
      }
    }
    next(transition);
  }

  /**
   * Takes the next move of a compensating saga: wait while a forward attempt is in flight, the
   * pivot waits to be asked again, or a compensation is outstanding; go forward again if the pivot
   * succeeded meanwhile, else send the compensation of the last step that needs one, or end
   * COMPENSATED when none is left.
   */
  static <D> void next(TransitionContext<D> transition) {
    if (transition.anyForwardOutcomeOpen()) {
      return; // siblings answer or time out first, so that it is known what to undo
    }
    if (transition.pivotSucceeded()) {
      // only reachable when the deadline or an operator started compensating while the pivot
      // was in flight and it then succeeded: nothing was undone yet, so move forward instead
      transition.changeStatus(SagaStatus.RUNNING, null, null);
      transition.logSaga(
          LogEntryType.COMPENSATION_ABANDONED, Map.of("reason", "the pivot succeeded"));
      ForwardProgress.advance(transition);
      return;
    }
    for (StepState step : transition.state().steps().values()) {
      if (step.status() == StepStatus.COMPENSATING
          || step.status() == StepStatus.COMPENSATION_RETRY_WAIT
          || step.status() == StepStatus.COMPENSATION_PARTICIPANT_WAIT) {
        return; // one compensation at a time, in reverse order
      }
    }
    List<StepDefinition<D>> steps = transition.definition().steps();
    for (int i = steps.size() - 1; i >= 0; i--) {
      StepDefinition<D> definition = steps.get(i);
      StepState step = transition.step(definition.name());
      if (needsCompensation(definition, step)) {
        Attempts.send(
            transition, definition.name(), Phase.COMPENSATE, step.compensationAttempt() + 1);
        return;
      }
    }
    transition.endSaga(
        SagaStatus.COMPENSATED, transition.state().statusReason(), LogEntryType.SAGA_COMPENSATED);
  }

  /**
   * Whether a step is to be undone: a compensatable step with a compensation command that
   * succeeded, timed out on every attempt, or waits for a retry (an attempt was sent and may have
   * run; compensating an unseen command is a no-op for the participant and fences the late
   * command).
   */
  static <D> boolean needsCompensation(StepDefinition<D> definition, StepState step) {
    if (definition.kind() != StepKind.COMPENSATABLE || !definition.hasCompensation()) {
      return false;
    }
    return step.status() == StepStatus.SUCCEEDED
        || step.status() == StepStatus.TIMED_OUT
        || step.status() == StepStatus.RETRY_WAIT;
  }

  /**
   * The outstanding compensation of the reply's step was answered: SUCCESS and REFUSED (the
   * participant has nothing to undo) compensate the step; a business failure (the undo cannot be
   * done) fails the saga at once; a technical failure is a failed attempt.
   */
  static <D> void onReply(TransitionContext<D> transition, ReplyReceived reply) {
    String step = reply.step();
    if (reply.outcome() == ReplyOutcome.SUCCESS || reply.outcome() == ReplyOutcome.REFUSED) {
      transition.replaceStep(
          transition.step(step).settled(StepStatus.COMPENSATED, transition.now()));
      transition.log(
          LogEntryType.STEP_COMPENSATED,
          step,
          Phase.COMPENSATE,
          reply.attempt(),
          reply.commandId(),
          Map.of("outcome", reply.outcome()));
      next(transition);
    } else if (reply.outcome() == ReplyOutcome.BUSINESS_FAILURE) {
      // the participant says the undo cannot be done: asking again would get the same answer
      failed(transition, step, "business failure: " + reply.bodyJson());
    } else {
      attemptFailed(transition, step, "technical failure: " + reply.bodyJson());
    }
  }

  /**
   * A compensation attempt failed or timed out: another attempt after the back-off while the
   * compensation policy allows one (the default policy always does), else the step is
   * COMPENSATION_FAILED and the saga FAILED.
   */
  static <D> void attemptFailed(TransitionContext<D> transition, String step, String error) {
    StepState state = transition.step(step);
    if (transition
        .stepDefinition(step)
        .compensationRetry()
        .allowsAnotherAttempt(state.compensationAttemptsInBudget())) {
      Attempts.scheduleRetry(
          transition, step, Phase.COMPENSATE, state.compensationAttempt() + 1, error);
      return;
    }
    failed(transition, step, error);
  }

  /** The compensation of {@code step} cannot be done: COMPENSATION_FAILED, the saga FAILED. */
  private static <D> void failed(TransitionContext<D> transition, String step, String error) {
    StepState state = transition.step(step);
    transition.replaceStep(state.settled(StepStatus.COMPENSATION_FAILED, transition.now(), error));
    transition.log(
        LogEntryType.STEP_COMPENSATION_FAILED,
        step,
        Phase.COMPENSATE,
        state.compensationAttempt(),
        null,
        Map.of("error", error));
    transition.failSaga("compensation exhausted: step '" + step + "': " + error);
  }
}
