package io.sagacoord.dsl;

/**
 * Where the members of a parallel group are declared. Inside a group, {@code parallel(...)} and
 * {@code build()} throw {@link IllegalStateException}.
 *
 * @param <D> the saga data type
 */
public interface ParallelSteps<D> {
  /** Starts a member step of the group. */
  StepStart<D> step(String name);
}
