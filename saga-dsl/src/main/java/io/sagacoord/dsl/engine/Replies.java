package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.protocol.Phase;

/**
 * Which replies count: one that answers the outstanding attempt of its step, in its phase, with its
 * command id, while the saga runs or compensates. Every other reply is IGNORED.
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
    if (reply.commandId() != null && !reply.commandId().equals(step.commandId())) {
      return transition.ignored("command " + reply.commandId() + " is not outstanding");
    }
    boolean forward = reply.phase() == Phase.FORWARD;
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    int attempt = forward ? step.forwardAttempt() : step.compensationAttempt();
    if (step.status() != outstanding || reply.attempt() != attempt) {
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
}
