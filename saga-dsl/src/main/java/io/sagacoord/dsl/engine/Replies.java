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

  static <D> Transition apply(TransitionContext<D> tx, ReplyReceived reply) {
    if (tx.status() != SagaStatus.RUNNING && tx.status() != SagaStatus.COMPENSATING) {
      return tx.ignored("saga is " + tx.status());
    }
    StepState step = tx.state().steps().get(reply.step());
    if (step == null) {
      return tx.ignored("unknown step '" + reply.step() + "'");
    }
    if (reply.commandId() != null && !reply.commandId().equals(step.commandId())) {
      return tx.ignored("command " + reply.commandId() + " is not outstanding");
    }
    boolean forward = reply.phase() == Phase.FORWARD;
    StepStatus outstanding = forward ? StepStatus.IN_PROGRESS : StepStatus.COMPENSATING;
    int attempt = forward ? step.forwardAttempt() : step.compensationAttempt();
    if (step.status() != outstanding || reply.attempt() != attempt) {
      return tx.ignored(
          "no "
              + (forward ? "forward" : "compensation")
              + " attempt "
              + reply.attempt()
              + " outstanding at "
              + reply.step());
    }
    tx.emit(new CancelTimers(reply.step()));
    if (forward) {
      ForwardProgress.onReply(tx, reply);
    } else {
      Compensation.onReply(tx, reply);
    }
    return tx.applied();
  }
}
