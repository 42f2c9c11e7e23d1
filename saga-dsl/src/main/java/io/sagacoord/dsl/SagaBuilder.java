package io.sagacoord.dsl;

import java.time.Duration;
import java.util.Collection;
import java.util.function.Function;

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

  /**
   * Checks the data of each start before anything is written: {@code rule} returns the violations
   * it finds, one sentence each, and an empty collection when the data is acceptable. A start with
   * violations is refused (the coordinator answers 400 and lists them). May be called more than
   * once; the violations of all rules are reported together, in declaration order. The rule is
   * definition code: it must be quick and pure (no I/O), and it is not part of the fingerprint.
   */
  SagaBuilder<D> validate(Function<? super D, ? extends Collection<String>> rule);

  /**
   * What a start does when a participant of its first commands cannot take them (no live instance
   * in the registry; an open circuit): {@link StartWhenUnavailable#REFUSE} refuses it with nothing
   * written, {@link StartWhenUnavailable#ACCEPT_AND_WAIT} starts the saga, whose command waits for
   * the participant while its timeouts and deadline run. Default: the coordinator's setting ({@code
   * sec.liveness.when-unavailable}).
   */
  SagaBuilder<D> whenFirstParticipantUnavailable(StartWhenUnavailable policy);
}
