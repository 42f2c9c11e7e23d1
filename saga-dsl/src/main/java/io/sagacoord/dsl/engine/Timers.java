package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.Map;

/**
 * Step timeouts, retry back-off and the saga deadline: what a timer that comes due does, and which
 * timers a resumed saga needs again. A timer of an attempt that is no longer current is IGNORED.
 */
final class Timers {

  private Timers() {}

  static <D> Transition fire(TransitionContext<D> transition, TimerFired timer) {
    if (timer.kind() == TimerKind.DEADLINE) {
      return deadlineDue(transition);
    }
    if (transition.status() != SagaStatus.RUNNING
        && transition.status() != SagaStatus.COMPENSATING) {
      return transition.ignored("saga is " + transition.status());
    }
    StepState step = transition.state().steps().get(timer.step());
    if (step == null) {
      return transition.ignored("unknown step '" + timer.step() + "'");
    }
    if (timer.kind() == TimerKind.STEP_TIMEOUT && step.waitsForParticipant()) {
      return ParticipantWaits.timedOut(transition, timer, step);
    }
    return timer.kind() == TimerKind.STEP_TIMEOUT
        ? attemptTimedOut(transition, timer, step)
        : retryDue(transition, timer, step);
  }

  /** The attempt got no reply within the step timeout: a failed attempt of its phase. */
  private static <D> Transition attemptTimedOut(
      TransitionContext<D> transition, TimerFired timer, StepState step) {
    boolean forward = timer.phase() == Phase.FORWARD;
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    int current = forward ? step.forwardAttempt() : step.compensationAttempt();
    if (step.status() != outstanding || timer.attempt() != current) {
      return transition.ignored(forward ? "stale forward timeout" : "stale compensation timeout");
    }
    transition.log(
        LogEntryType.ATTEMPT_TIMED_OUT,
        timer.step(),
        timer.phase(),
        timer.attempt(),
        step.commandId(),
        Map.of());
    if (forward) {
      ForwardProgress.attemptFailed(transition, timer.step(), "timed out", StepStatus.TIMED_OUT);
    } else {
      Compensation.attemptFailed(transition, timer.step(), "timed out");
    }
    return transition.applied();
  }

  /**
   * The back-off is over: the next attempt is sent. A forward retry is sent while the saga runs,
   * and for the pivot also while it compensates (its outcome must be known before anything is
   * undone); a step before the pivot waiting for a retry in a compensating saga is compensated
   * instead.
   */
  private static <D> Transition retryDue(
      TransitionContext<D> transition, TimerFired timer, StepState step) {
    boolean forward = timer.phase() == Phase.FORWARD;
    boolean due =
        forward
            ? (transition.status() == SagaStatus.RUNNING || transition.isPivotWaitingForRetry(step))
                && step.status() == StepStatus.RETRY_WAIT
                && timer.attempt() == step.forwardAttempt() + 1
            : step.status() == StepStatus.COMPENSATION_RETRY_WAIT
                && timer.attempt() == step.compensationAttempt() + 1;
    if (!due) {
      return transition.ignored(forward ? "stale forward retry" : "stale compensation retry");
    }
    Attempts.send(transition, timer.step(), timer.phase(), timer.attempt());
    return transition.applied();
  }

  /**
   * The deadline timer fired: a running saga whose pivot has not succeeded compensates; after the
   * pivot it completes forward. A deadline timer fired early, or while the saga does not run, is
   * IGNORED.
   */
  private static <D> Transition deadlineDue(TransitionContext<D> transition) {
    SagaState state = transition.state();
    if (state.status() != SagaStatus.RUNNING) {
      return transition.ignored("saga is " + state.status());
    }
    if (state.deadline() == null || transition.now().isBefore(state.deadline())) {
      return transition.ignored("deadline not reached");
    }
    if (transition.pivotSucceeded()) {
      return transition.ignored("deadline passed after the pivot: the saga completes forward");
    }
    transition.logSaga(LogEntryType.DEADLINE_PASSED, Map.of("deadline", state.deadline()));
    Compensation.begin(transition, "deadline passed");
    return transition.applied();
  }

  /**
   * Arms again the timers a saga resumed in {@code status} needs: the timeout of every outstanding
   * attempt (a reply dropped while parked then leads to a retry), a retry due now for every step
   * waiting for one, the wait timeout of every step waiting for its participant, and the deadline
   * (now if it has passed) while the saga runs.
   */
  static <D> void rearm(TransitionContext<D> transition, SagaStatus status) {
    Instant now = transition.now();
    for (StepDefinition<D> definition : transition.definition().steps()) {
      String name = definition.name();
      StepState step = transition.step(name);
      Instant timeout = now.plus(definition.timeout());
      switch (step.status()) {
        case IN_PROGRESS ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT, name, Phase.FORWARD, step.forwardAttempt(), timeout));
        case COMPENSATING ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    name,
                    Phase.COMPENSATE,
                    step.compensationAttempt(),
                    timeout));
        case RETRY_WAIT ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.RETRY, name, Phase.FORWARD, step.forwardAttempt() + 1, now));
        case COMPENSATION_RETRY_WAIT ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.RETRY, name, Phase.COMPENSATE, step.compensationAttempt() + 1, now));
        case PARTICIPANT_WAIT ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    name,
                    Phase.FORWARD,
                    step.forwardAttempt() + 1,
                    timeout));
        case COMPENSATION_PARTICIPANT_WAIT ->
            transition.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    name,
                    Phase.COMPENSATE,
                    step.compensationAttempt() + 1,
                    timeout));
        default -> {}
      }
    }
    Instant deadline = transition.state().deadline();
    if (deadline != null && status == SagaStatus.RUNNING) {
      Instant due = deadline.isAfter(now) ? deadline : now;
      transition.emit(new ScheduleTimer(TimerKind.DEADLINE, null, Phase.FORWARD, 0, due));
    }
  }
}
