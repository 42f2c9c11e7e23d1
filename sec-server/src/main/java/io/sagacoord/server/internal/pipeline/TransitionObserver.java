package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.Transition;

/**
 * Learns of every event the engine decided on in the {@link EventPipeline}, applied or not (a
 * participant's circuit counts each reply and step timeout). Called after the transaction that
 * applied the event commits (at once outside a transaction), so a batch of replies that is rolled
 * back and applied again is observed once.
 */
@FunctionalInterface
public interface TransitionObserver {

  /** The engine's answer {@code transition} to {@code event} on a saga of {@code definition}. */
  void observe(SagaDefinition<?> definition, SagaEvent event, Transition transition);
}
