package io.sagacoord.dsl;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Optional settings of the current step, then the next step, a group or {@code build()}.
 *
 * @param <D> the saga data type
 */
public interface StepTail<D> extends SagaSteps<D> {

  /** Timeout of each forward and compensation attempt (default: the saga's, 30 s). */
  StepTail<D> timeout(Duration timeout);

  /** Forward retry policy (default: the saga's, {@link RetryPolicy#DEFAULT_FORWARD}). */
  StepTail<D> retry(RetryPolicy policy);

  /**
   * Compensation retry policy (default: the saga's, {@link RetryPolicy#DEFAULT_COMPENSATION}, which
   * retries until the compensation succeeds). A policy with a {@code maxAttempts} is a budget: once
   * it is spent the saga ends FAILED.
   */
  StepTail<D> compensationRetry(RetryPolicy policy);

  /**
   * Runs the step only when the condition holds on the saga data at the moment the step is reached
   * (default: always). A skipped step is never compensated.
   */
  StepTail<D> when(Predicate<? super D> condition);
}
