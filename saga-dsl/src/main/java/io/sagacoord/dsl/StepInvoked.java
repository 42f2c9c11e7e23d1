package io.sagacoord.dsl;

import java.util.function.BiFunction;

/**
 * A step with its forward command. Next: reply handling (optional; by default the reply body is
 * ignored), failure handling, then the compensation or the step's kind.
 *
 * @param <D> the saga data type
 */
public interface StepInvoked<D> extends StepReplied<D> {

  /**
   * Turns the success reply into new saga data; {@code handler} returns a new value, it must not
   * mutate {@code data}.
   */
  <R> StepReplied<D> onReply(Class<R> replyType, BiFunction<D, R, D> handler);
}
