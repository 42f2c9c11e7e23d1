package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.protocol.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Attempts of a step, in either phase: sending one (command, timeout timer, outstanding state), or
 * waiting for its participant when the gate refuses it, and waiting for the next after a failure
 * (back-off timer). Command ids and jitter derive from the saga id, step, phase and attempt, so a
 * replay sends the same.
 */
final class Attempts {

  private Attempts() {}

  /**
   * Sends attempt {@code attempt} of {@code step} in {@code phase} and arms its timeout; when the
   * participant's gate refuses, the step waits for it instead ({@link ParticipantWaits#begin}). A
   * forward command of a step up to the pivot carries the saga deadline; after the pivot the saga
   * only moves forward, so later commands and compensations carry none and are never refused as
   * late.
   */
  static <D> void send(TransitionContext<D> transition, String step, Phase phase, int attempt) {
    if (!transition.mayCall(transition.stepDefinition(step).participant().name())) {
      ParticipantWaits.begin(transition, step, phase, attempt);
      return;
    }
    sendNow(transition, step, phase, attempt);
  }

  /** Sends the attempt without asking the gate: the caller has asked it. */
  static <D> void sendNow(TransitionContext<D> transition, String step, Phase phase, int attempt) {
    StepDefinition<D> definition = transition.stepDefinition(step);
    boolean forward = phase == Phase.FORWARD;
    String label = forward ? "forward" : "compensation";
    D data = transition.data();
    Object command =
        transition.runDefinitionCode(
            step,
            label + " command mapper",
            () -> forward ? definition.forwardCommand(data) : definition.compensationCommand(data));
    String payload = transition.encode(step, "encoding the " + label + " command", command);
    UUID commandId = Hashing.commandId(transition.state().sagaId(), step, phase.name(), attempt);
    String commandType =
        forward ? definition.commandType() : definition.compensationCommandType().orElseThrow();
    Instant deadline =
        forward && !transition.definition().isAfterPivot(step)
            ? transition.state().deadline()
            : null;
    transition.emit(
        new SendCommand(
            step,
            definition.participant().name(),
            definition.participant().commandTopic(),
            phase,
            attempt,
            commandId,
            commandType,
            payload,
            deadline));
    transition.emit(
        new ScheduleTimer(
            TimerKind.STEP_TIMEOUT,
            step,
            phase,
            attempt,
            transition.now().plus(definition.timeout())));
    transition.replaceStep(transition.step(step).sent(phase, attempt, commandId, transition.now()));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("participant", definition.participant().name());
    detail.put("topic", definition.participant().commandTopic());
    detail.put("commandType", commandType);
    transition.log(LogEntryType.COMMAND_SENT, step, phase, attempt, commandId, detail);
  }

  /**
   * Waits for the back-off of the phase's retry policy before attempt {@code nextAttempt}; {@code
   * error} is why the attempt before it failed.
   */
  static <D> void scheduleRetry(
      TransitionContext<D> transition, String step, Phase phase, int nextAttempt, String error) {
    StepDefinition<D> definition = transition.stepDefinition(step);
    RetryPolicy policy =
        phase == Phase.FORWARD ? definition.retry() : definition.compensationRetry();
    double random =
        Hashing.unitRandom(
            transition.state().sagaId() + "|" + step + "|" + phase + "|" + nextAttempt);
    Duration delay = policy.delayBefore(nextAttempt, random);
    Instant due = transition.now().plus(delay);
    transition.emit(new ScheduleTimer(TimerKind.RETRY, step, phase, nextAttempt, due));
    transition.replaceStep(transition.step(step).waitingForRetry(phase, error));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("error", error);
    detail.put("nextAttempt", nextAttempt);
    detail.put("delayMillis", delay.toMillis());
    detail.put("dueAt", due);
    transition.log(LogEntryType.RETRY_SCHEDULED, step, phase, nextAttempt - 1, null, detail);
  }
}
