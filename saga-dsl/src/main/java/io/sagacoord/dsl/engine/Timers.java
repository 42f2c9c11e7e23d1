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

  static <D> Transition fire(TransitionContext<D> tx, TimerFired timer) {
    if (timer.kind() == TimerKind.DEADLINE) {
      return deadlineDue(tx);
    }
    if (tx.status() != SagaStatus.RUNNING && tx.status() != SagaStatus.COMPENSATING) {
      return tx.ignored("saga is " + tx.status());
    }
    StepState step = tx.state().steps().get(timer.step());
    if (step == null) {
      return tx.ignored("unknown step '" + timer.step() + "'");
    }
    return timer.kind() == TimerKind.STEP_TIMEOUT
        ? attemptTimedOut(tx, timer, step)
        : retryDue(tx, timer, step);
  }

  /** The attempt got no reply within the step timeout: a failed attempt of its phase. */
  private static <D> Transition attemptTimedOut(
      TransitionContext<D> tx, TimerFired timer, StepState step) {
    boolean forward = timer.phase() == Phase.FORWARD;
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    int current = forward ? step.forwardAttempt() : step.compensationAttempt();
    if (step.status() != outstanding || timer.attempt() != current) {
      return tx.ignored(forward ? "stale forward timeout" : "stale compensation timeout");
    }
    tx.log(
        LogEntryType.ATTEMPT_TIMED_OUT,
        timer.step(),
        timer.phase(),
        timer.attempt(),
        step.commandId(),
        Map.of());
    if (forward) {
      ForwardProgress.attemptFailed(tx, timer.step(), "timed out", StepStatus.TIMED_OUT);
    } else {
      Compensation.attemptFailed(tx, timer.step(), "timed out");
    }
    return tx.applied();
  }

  /**
   * The back-off is over: the next attempt is sent. A forward retry is sent only while the saga
   * runs; once it compensates, the waiting step is compensated instead.
   */
  private static <D> Transition retryDue(
      TransitionContext<D> tx, TimerFired timer, StepState step) {
    boolean forward = timer.phase() == Phase.FORWARD;
    boolean due =
        forward
            ? tx.status() == SagaStatus.RUNNING
                && step.status() == StepStatus.RETRY_WAIT
                && timer.attempt() == step.forwardAttempt() + 1
            : step.status() == StepStatus.COMPENSATION_RETRY_WAIT
                && timer.attempt() == step.compensationAttempt() + 1;
    if (!due) {
      return tx.ignored(forward ? "stale forward retry" : "stale compensation retry");
    }
    Attempts.send(tx, timer.step(), timer.phase(), timer.attempt());
    return tx.applied();
  }

  /**
   * The deadline timer fired: a running saga whose pivot has not succeeded compensates; after the
   * pivot it completes forward. A deadline timer fired early, or while the saga does not run, is
   * IGNORED.
   */
  private static <D> Transition deadlineDue(TransitionContext<D> tx) {
    SagaState state = tx.state();
    if (state.status() != SagaStatus.RUNNING) {
      return tx.ignored("saga is " + state.status());
    }
    if (state.deadline() == null || tx.now().isBefore(state.deadline())) {
      return tx.ignored("deadline not reached");
    }
    if (tx.pivotSucceeded()) {
      return tx.ignored("deadline passed after the pivot: the saga completes forward");
    }
    tx.logSaga(LogEntryType.DEADLINE_PASSED, Map.of("deadline", state.deadline()));
    Compensation.begin(tx, "deadline passed");
    return tx.applied();
  }

  /**
   * Arms again the timers a saga resumed in {@code status} needs: the timeout of every outstanding
   * attempt (a reply dropped while parked then leads to a retry), a retry due now for every step
   * waiting for one, and the deadline (now if it has passed) while the saga runs.
   */
  static <D> void rearm(TransitionContext<D> tx, SagaStatus status) {
    Instant now = tx.now();
    for (StepDefinition<D> definition : tx.definition().steps()) {
      String name = definition.name();
      StepState step = tx.step(name);
      Instant timeout = now.plus(definition.timeout());
      switch (step.status()) {
        case IN_PROGRESS ->
            tx.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT, name, Phase.FORWARD, step.forwardAttempt(), timeout));
        case COMPENSATING ->
            tx.emit(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    name,
                    Phase.COMPENSATE,
                    step.compensationAttempt(),
                    timeout));
        case RETRY_WAIT ->
            tx.emit(
                new ScheduleTimer(
                    TimerKind.RETRY, name, Phase.FORWARD, step.forwardAttempt() + 1, now));
        case COMPENSATION_RETRY_WAIT ->
            tx.emit(
                new ScheduleTimer(
                    TimerKind.RETRY, name, Phase.COMPENSATE, step.compensationAttempt() + 1, now));
        default -> {}
      }
    }
    Instant deadline = tx.state().deadline();
    if (deadline != null && status == SagaStatus.RUNNING) {
      Instant due = deadline.isAfter(now) ? deadline : now;
      tx.emit(new ScheduleTimer(TimerKind.DEADLINE, null, Phase.FORWARD, 0, due));
    }
  }
}
