package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.UUID;

/**
 * Which replies count, while the saga runs or compensates: one that answers the outstanding attempt
 * of its step, in its phase, with its command id; and a SUCCESS of an earlier attempt of a step
 * whose outcome in that phase is still open (a later attempt in flight or waiting for its
 * back-off): the participant's inbox runs a step once, so that success is the step's outcome. Every
 * other reply is IGNORED: another outcome of an earlier attempt says nothing the current attempt
 * will not answer (a failure leaves no effect and is run again, a refusal fences the older
 * attempt).
 */
final class Replies {

  private Replies() {}

  static <D> Transition apply(TransitionContext<D> transition, ReplyReceived reply) {
    if (transition.status() != SagaStatus.RUNNING
        && transition.status() != SagaStatus.COMPENSATING) {
      return transition.ignored("saga is " + transition.status());
    }
    StepState step = transition.state().steps().get(reply.step());
    if (step == null) {
      return transition.ignored("unknown step '" + reply.step() + "'");
    }
    boolean forward = reply.phase() == Phase.FORWARD;
    if (!answersCurrentAttempt(step, reply, forward)
        && !settlesOpenStep(transition, step, reply, forward)) {
      if (reply.commandId() != null && !reply.commandId().equals(step.commandId())) {
        return transition.ignored("command " + reply.commandId() + " is not outstanding");
      }
      return transition.ignored(
          "no "
              + (forward ? "forward" : "compensation")
              + " attempt "
              + reply.attempt()
              + " outstanding at "
              + reply.step());
    }
    transition.emit(new CancelTimers(reply.step()));
    if (forward) {
      ForwardProgress.onReply(transition, reply);
    } else {
      Compensation.onReply(transition, reply);
    }
    return transition.applied();
  }

  /** The reply answers the step's outstanding attempt of its phase, with that command id. */
  private static boolean answersCurrentAttempt(
      StepState step, ReplyReceived reply, boolean forward) {
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    int attempt = forward ? step.forwardAttempt() : step.compensationAttempt();
    return step.status() == outstanding
        && reply.attempt() == attempt
        && (reply.commandId() == null || reply.commandId().equals(step.commandId()));
  }

  /**
   * The reply is a SUCCESS of an earlier attempt (or of the latest one, timed out) while the step's
   * outcome in its phase is open: a later attempt is outstanding, or the step waits for its next
   * attempt. Its command id, when given, is the one the engine derived for that attempt.
   */
  private static <D> boolean settlesOpenStep(
      TransitionContext<D> transition, StepState step, ReplyReceived reply, boolean forward) {
    if (reply.outcome() != ReplyOutcome.SUCCESS || reply.attempt() < 1) {
      return false;
    }
    int latest = forward ? step.forwardAttempt() : step.compensationAttempt();
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    StepStatus waiting = forward ? StepStatus.RETRY_WAIT : StepStatus.COMPENSATION_RETRY_WAIT;
    StepStatus waitingForParticipant =
        forward ? StepStatus.PARTICIPANT_WAIT : StepStatus.COMPENSATION_PARTICIPANT_WAIT;
    boolean open =
        (step.status() == outstanding && reply.attempt() < latest)
            || ((step.status() == waiting || step.status() == waitingForParticipant)
                && reply.attempt() <= latest);
    if (!open) {
      return false;
    }
    UUID derived =
        Hashing.commandId(
            transition.state().sagaId(), step.step(), reply.phase().name(), reply.attempt());
    return reply.commandId() == null || reply.commandId().equals(derived);
  }
}
