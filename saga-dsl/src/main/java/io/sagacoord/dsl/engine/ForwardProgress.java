package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.StepKind;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.protocol.Phase;
import java.util.List;
import java.util.Map;

/**
 * Moving a saga forward: reaching stages, forward replies, and forward attempts that fail (retry by
 * policy, or give up: compensate before the pivot, fail after it).
 */
final class ForwardProgress {

  private ForwardProgress() {}

  /**
   * Moves the saga as far as it goes without new events: forward while it runs, on to the next
   * compensation while it compensates.
   */
  static <D> void moveOn(TransitionContext<D> transition) {
    if (transition.status() == SagaStatus.RUNNING) {
      advance(transition);
    } else if (transition.status() == SagaStatus.COMPENSATING) {
      Compensation.next(transition);
    }
  }

  /**
   * Starts every pending step of the first stage not yet done (skipping those whose condition is
   * false) and moves past stages that are done; after the last stage the saga is COMPLETED.
   */
  static <D> void advance(TransitionContext<D> transition) {
    for (List<StepDefinition<D>> stage : transition.definition().stages()) {
      if (allDone(transition, stage)) {
        continue;
      }
      boolean reachedAny = false;
      for (StepDefinition<D> step : stage) {
        if (transition.step(step.name()).status() != StepStatus.PENDING) {
          continue;
        }
        reachedAny = true;
        D data = transition.data();
        boolean enabled =
            transition.runDefinitionCode(step.name(), "condition", () -> step.isEnabledFor(data));
        if (enabled) {
          Attempts.send(
              transition,
              step.name(),
              Phase.FORWARD,
              transition.step(step.name()).forwardAttempt() + 1);
        } else {
          transition.replaceStep(transition.step(step.name()).skipped(transition.now()));
          transition.log(
              LogEntryType.STEP_SKIPPED,
              step.name(),
              null,
              0,
              null,
              Map.of("reason", "condition is false"));
        }
      }
      if (reachedAny && allDone(transition, stage)) {
        continue; // every member was skipped
      }
      return;
    }
    transition.endSaga(SagaStatus.COMPLETED, null, LogEntryType.SAGA_COMPLETED);
  }

  private static <D> boolean allDone(
      TransitionContext<D> transition, List<StepDefinition<D>> stage) {
    return stage.stream()
        .map(step -> transition.step(step.name()).status())
        .allMatch(s -> s == StepStatus.SUCCEEDED || s == StepStatus.SKIPPED);
  }

  /**
   * The outstanding forward attempt of the reply's step was answered (see the table "Forward
   * replies" in {@code docs/dsl.md}).
   */
  static <D> void onReply(TransitionContext<D> transition, ReplyReceived reply) {
    String step = reply.step();
    StepDefinition<D> definition = transition.stepDefinition(step);
    switch (reply.outcome()) {
      case SUCCESS -> {
        if (definition.replyType().isPresent()) {
          Object body =
              transition.decode(
                  step, "decoding the reply", reply.bodyJson(), definition.replyType().get());
          D data = transition.data();
          D next =
              transition.runDefinitionCode(
                  step, "reply handler", () -> definition.applyReply(data, body));
          transition.replaceData(next, step);
        }
        transition.replaceStep(
            transition.step(step).settled(StepStatus.SUCCEEDED, transition.now()));
        transition.log(
            LogEntryType.STEP_SUCCEEDED,
            step,
            Phase.FORWARD,
            reply.attempt(),
            reply.commandId(),
            Map.of());
        moveOn(transition);
      }
      case BUSINESS_FAILURE -> {
        String error = "business failure: " + reply.bodyJson();
        if (definition.kind() == StepKind.RETRIABLE) {
          attemptFailed(transition, step, error, StepStatus.FAILED);
        } else {
          if (definition.failureType().isPresent()) {
            Object failure =
                transition.decode(
                    step, "decoding the failure", reply.bodyJson(), definition.failureType().get());
            D data = transition.data();
            D next =
                transition.runDefinitionCode(
                    step, "failure handler", () -> definition.applyFailure(data, failure));
            transition.replaceData(next, step);
          }
          gaveUp(transition, step, StepStatus.FAILED, error);
        }
      }
      case TECHNICAL_FAILURE ->
          // a technical failure means the participant rolled back: the step did not happen
          attemptFailed(
              transition, step, "technical failure: " + reply.bodyJson(), StepStatus.FAILED);
      case REFUSED -> {
        String error = "refused: " + reply.bodyJson();
        if (definition.kind() == StepKind.RETRIABLE) {
          attemptFailed(transition, step, error, StepStatus.FAILED);
        } else {
          gaveUp(transition, step, StepStatus.FAILED, error);
        }
      }
    }
  }

  /**
   * A forward attempt failed in a way worth retrying: another attempt after the back-off while the
   * saga runs and the policy allows one, else the step gives up as {@code whenExhausted}. A pivot
   * whose attempt timed out never gives up: its outcome is unknown and it cannot be undone, so it
   * is asked again (the participant answers a repeated command with its stored outcome), whatever
   * the saga's status and the policy's budget, until an answer settles it.
   */
  static <D> void attemptFailed(
      TransitionContext<D> transition, String step, String error, StepStatus whenExhausted) {
    StepState state = transition.step(step);
    StepDefinition<D> definition = transition.stepDefinition(step);
    boolean pivotUnknown =
        definition.kind() == StepKind.PIVOT && whenExhausted == StepStatus.TIMED_OUT;
    if (pivotUnknown
        || (transition.status() == SagaStatus.RUNNING
            && definition.retry().allowsAnotherAttempt(state.forwardAttemptsInBudget()))) {
      Attempts.scheduleRetry(transition, step, Phase.FORWARD, state.forwardAttempt() + 1, error);
    } else {
      gaveUp(transition, step, whenExhausted, error);
    }
  }

  /**
   * A forward step ended without success: {@code FAILED} (nothing to undo) or {@code TIMED_OUT}
   * (maybe done; never a pivot, see {@link #attemptFailed}). A step after the pivot fails the saga;
   * a step before it starts compensation, or lets a compensating saga go on.
   */
  static <D> void gaveUp(
      TransitionContext<D> transition, String step, StepStatus outcome, String error) {
    StepState state = transition.step(step);
    transition.replaceStep(state.settled(outcome, transition.now(), error));
    transition.log(
        outcome == StepStatus.TIMED_OUT ? LogEntryType.STEP_TIMED_OUT : LogEntryType.STEP_FAILED,
        step,
        Phase.FORWARD,
        state.forwardAttempt(),
        null,
        Map.of("error", error));
    if (transition.definition().isAfterPivot(step)) {
      transition.failSaga("step after pivot exhausted: step '" + step + "': " + error);
    } else if (transition.status() == SagaStatus.RUNNING) {
      Compensation.begin(transition, "step '" + step + "' failed: " + error);
    } else {
      Compensation.next(transition);
    }
  }
}
