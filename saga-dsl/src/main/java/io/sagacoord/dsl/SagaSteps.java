package io.sagacoord.dsl;

import java.util.function.Consumer;

/**
 * The place in a definition where the next step, a parallel group or {@code build()} may follow.
 *
 * @param <D> the saga data type
 */
public interface SagaSteps<D> {

  /**
   * Starts the next step.
   *
   * @param name business name, unique in the saga: 1-100 characters of letters, digits, '.', '_'
   *     and '-'
   */
  StepStart<D> step(String name);

  /**
   * A parallel group: its steps are sent together and joined before the saga moves on. Declare the
   * members inside {@code members} with {@code g.step(...)}; groups do not nest and need at least
   * two steps (checked by {@link #build()}).
   */
  SagaSteps<D> parallel(String groupName, Consumer<ParallelSteps<D>> members);

  /**
   * Checks the whole definition and returns it.
   *
   * @throws InvalidSagaDefinitionException listing every problem with the step it concerns
   */
  SagaDefinition<D> build();
}
