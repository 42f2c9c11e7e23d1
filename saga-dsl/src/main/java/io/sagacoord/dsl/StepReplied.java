package io.sagacoord.dsl;

import java.util.function.BiFunction;

/**
 * A step whose reply handling is declared.
 *
 * @param <D> the saga data type
 */
public interface StepReplied<D> extends StepCompensation<D> {

  /**
   * Records a business failure in the saga data (for example its reason) before the saga
   * compensates. Default: the data stays unchanged.
   */
  <F> StepCompensation<D> onFailure(Class<F> failureType, BiFunction<D, F, D> handler);
}
