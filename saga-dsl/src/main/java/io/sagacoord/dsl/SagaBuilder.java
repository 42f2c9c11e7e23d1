package io.sagacoord.dsl;

import java.time.Duration;

/**
 * Saga-level settings, before the first step. Defaults: version 1, no deadline, step timeout 30 s,
 * forward retry {@link RetryPolicy#DEFAULT_FORWARD}, compensation retry {@link
 * RetryPolicy#DEFAULT_COMPENSATION}.
 *
 * @param <D> the saga data type
 */
public interface SagaBuilder<D> extends SagaSteps<D> {

  /** The definition version (default 1); a running saga stays on the version it started with. */
  SagaBuilder<D> version(int version);

  /**
   * The saga deadline, counted from the start (default: none). Before the pivot, reaching it
   * compensates; after the pivot it has no effect.
   */
  SagaBuilder<D> deadline(Duration deadline);

  /** Timeout of each forward attempt of steps that set none (default 30 s). */
  SagaBuilder<D> defaultTimeout(Duration timeout);

  /** Forward retry policy of steps that set none (default {@link RetryPolicy#DEFAULT_FORWARD}). */
  SagaBuilder<D> defaultRetry(RetryPolicy policy);

  /**
   * Compensation retry policy of steps that set none (default {@link
   * RetryPolicy#DEFAULT_COMPENSATION}).
   */
  SagaBuilder<D> defaultCompensationRetry(RetryPolicy policy);
}
