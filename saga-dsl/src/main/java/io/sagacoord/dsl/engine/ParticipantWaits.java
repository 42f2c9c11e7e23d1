package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.StepKind;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.SagaEvent.ParticipantAvailable;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.protocol.Phase;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Steps whose participant is unavailable (its circuit is open). Such a step sends nothing and
 * spends no attempt; it waits until a {@link ParticipantAvailable} sends the waiting attempt. The
 * step timeout keeps running while a forward step waits: when it passes, a step that can be given
 * up gives up without having sent the attempt, so a long outage ends in compensation; the pivot
 * after an attempt that may have run, a step after the pivot and a compensation wait on, since none
 * of them may be abandoned. The saga deadline keeps running too: a compensating saga stops every
 * forward wait that it does not need to know the outcome of.
 */
final class ParticipantWaits {

  private ParticipantWaits() {}

  /**
   * The gate refused attempt {@code attempt}: the step waits for its participant. A step already
   * waiting for that attempt only logs the refusal again (its wait timer keeps its due time).
   */
  static <D> void begin(TransitionContext<D> transition, String step, Phase phase, int attempt) {
    StepDefinition<D> definition = transition.stepDefinition(step);
    String participant = definition.participant().name();
    StepState state = transition.step(step);
    boolean forward = phase == Phase.FORWARD;
    boolean alreadyWaiting =
        state.status()
            == (forward ? StepStatus.PARTICIPANT_WAIT : StepStatus.COMPENSATION_PARTICIPANT_WAIT);
    if (!alreadyWaiting) {
      transition.emit(
          new ScheduleTimer(
              TimerKind.STEP_TIMEOUT,
              step,
              phase,
              attempt,
              transition.now().plus(definition.timeout())));
    }
    // the attempt counters stay where they are: the waiting attempt is the next one
    transition.replaceStep(
        state.waitingForParticipant(
            phase, transition.now(), "participant '" + participant + "' is unavailable"));
    transition.log(
        LogEntryType.PARTICIPANT_UNAVAILABLE,
        step,
        phase,
        attempt,
        null,
        Map.of("participant", participant));
  }

  /**
   * The participant is available again: every step waiting for it is attempted (still through the
   * gate, which may let only a few trial commands through). IGNORED when no step waits for it or
   * the gate refuses every one.
   */
  static <D> Transition available(TransitionContext<D> transition, ParticipantAvailable event) {
    if (transition.status() != SagaStatus.RUNNING
        && transition.status() != SagaStatus.COMPENSATING) {
      return transition.ignored("saga is " + transition.status());
    }
    boolean sentAny = false;
    boolean waitsAny = false;
    for (StepDefinition<D> definition : transition.definition().steps()) {
      StepState step = transition.step(definition.name());
      if (!step.waitsForParticipant()
          || !definition.participant().name().equals(event.participant())) {
        continue;
      }
      waitsAny = true;
      boolean forward = step.status() == StepStatus.PARTICIPANT_WAIT;
      Phase phase = forward ? Phase.FORWARD : Phase.COMPENSATE;
      int attempt = (forward ? step.forwardAttempt() : step.compensationAttempt()) + 1;
      // the gate is asked once per command: a half-open circuit counts each yes as a trial
      if (!transition.mayCall(event.participant())) {
        // waits on (logged again, so that a replay gets the same answer); a later event tries again
        begin(transition, step.step(), phase, attempt);
        continue;
      }
      sentAny = true;
      ended(transition, step, phase, "available");
      transition.emit(new CancelTimers(step.step())); // the wait timer
      Attempts.sendNow(transition, step.step(), phase, attempt);
    }
    if (!sentAny) {
      return transition.ignored(
          waitsAny
              ? "participant '" + event.participant() + "' refuses commands still"
              : "no step waits for participant '" + event.participant() + "'");
    }
    return transition.applied();
  }

  /**
   * The step timeout of a waiting step passed. A forward step that may be given up gives up without
   * having sent the attempt: FAILED when no attempt of it was ever sent, TIMED_OUT (compensated as
   * if done) when an earlier one was; the others wait on. IGNORED for a stale timer.
   */
  static <D> Transition timedOut(
      TransitionContext<D> transition, TimerFired timer, StepState step) {
    boolean forward = timer.phase() == Phase.FORWARD;
    int waiting = (forward ? step.forwardAttempt() : step.compensationAttempt()) + 1;
    StepStatus status =
        forward ? StepStatus.PARTICIPANT_WAIT : StepStatus.COMPENSATION_PARTICIPANT_WAIT;
    if (step.status() != status || timer.attempt() != waiting) {
      return transition.ignored("stale wait timeout");
    }
    if (!forward || !mayGiveUp(transition, step)) {
      return transition.ignored("the step waits for its participant beyond its timeout");
    }
    ended(transition, step, Phase.FORWARD, "step timeout");
    // no attempt of the wait ran; an earlier one may have (it timed out or failed before the wait)
    StepStatus outcome = step.forwardAttempt() == 0 ? StepStatus.FAILED : StepStatus.TIMED_OUT;
    ForwardProgress.gaveUp(transition, step.step(), outcome, step.lastError());
    return transition.applied();
  }

  /**
   * The saga starts to compensate: forward steps that wait for their participant and may be given
   * up stop waiting. One that never sent an attempt is FAILED (nothing to undo); one that did waits
   * for its compensation like a step waiting for a retry.
   */
  static <D> void compensationBegins(TransitionContext<D> transition) {
    for (StepState step : transition.state().steps().values()) {
      if (step.status() != StepStatus.PARTICIPANT_WAIT || !mayGiveUp(transition, step)) {
        continue;
      }
      ended(transition, step, Phase.FORWARD, "compensating");
      transition.emit(new CancelTimers(step.step()));
      if (step.forwardAttempt() == 0) {
        transition.replaceStep(step.settled(StepStatus.FAILED, transition.now()));
      } else {
        transition.replaceStep(step.waitingForRetry(Phase.FORWARD, step.lastError()));
      }
    }
  }

  /**
   * Whether a waiting forward step may be abandoned: not after the pivot (such a step must succeed)
   * and not the pivot once an attempt of it was sent (its outcome must be known).
   */
  private static <D> boolean mayGiveUp(TransitionContext<D> transition, StepState step) {
    StepDefinition<D> definition = transition.stepDefinition(step.step());
    if (transition.definition().isAfterPivot(step.step())) {
      return false;
    }
    return definition.kind() != StepKind.PIVOT || step.forwardAttempt() == 0;
  }

  private static <D> void ended(
      TransitionContext<D> transition, StepState step, Phase phase, String reason) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("participant", transition.stepDefinition(step.step()).participant().name());
    detail.put("reason", reason);
    int attempt = (phase == Phase.FORWARD ? step.forwardAttempt() : step.compensationAttempt()) + 1;
    transition.log(LogEntryType.PARTICIPANT_WAIT_ENDED, step.step(), phase, attempt, null, detail);
  }
}
