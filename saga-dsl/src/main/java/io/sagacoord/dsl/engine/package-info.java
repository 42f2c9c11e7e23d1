/**
 * The pure saga engine: {@link io.sagacoord.dsl.engine.SagaEngine} turns (definition, state, event,
 * now) into a {@link io.sagacoord.dsl.engine.Transition} (new state, effects, log entries). No I/O;
 * the coordinator persists and dispatches around it. The rules are listed in {@code docs/dsl.md},
 * section "Engine semantics".
 */
package io.sagacoord.dsl.engine;
