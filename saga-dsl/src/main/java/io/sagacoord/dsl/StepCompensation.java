package io.sagacoord.dsl;

import java.util.function.Function;

/**
 * Where a step declares how it is undone, or that it is the pivot or a retriable step. A step that
 * declares none of these is compensatable without a compensation, which {@code build()} rejects.
 *
 * @param <D> the saga data type
 */
public interface StepCompensation<D> extends StepTail<D> {

  /** The compensation command, sent to the same participant; the step stays compensatable. */
  StepTail<D> compensateWith(String commandType, Function<? super D, ?> command);

  /** A compensatable step whose effect needs no undoing (a read, a reservation that expires). */
  StepTail<D> noCompensation();

  /** The go/no-go step: no compensation, never in a parallel group, at most one per saga. */
  StepTail<D> pivot();

  /** A step after the pivot that is retried until it succeeds (bounded by its retry policy). */
  StepTail<D> retriable();
}
