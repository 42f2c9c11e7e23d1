package io.sagacoord.dsl;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown by {@code build()}: lists every problem of the definition, each with its step. */
public class InvalidSagaDefinitionException extends SagaDslException {

  /**
   * One broken rule.
   *
   * @param rule the rule
   * @param step the step (or parallel group) concerned; null for saga-level problems
   * @param message what is wrong, naming the step
   */
  public record Problem(ValidationRule rule, String step, String message) {
    @Override
    public String toString() {
      return rule + " at " + (step == null ? "saga" : "'" + step + "'") + ": " + message;
    }
  }

  private final String sagaName;
  private final List<Problem> problems;

  public InvalidSagaDefinitionException(String sagaName, List<Problem> problems) {
    super(
        "saga '"
            + sagaName
            + "' is invalid ("
            + problems.size()
            + " problem"
            + (problems.size() == 1 ? "" : "s")
            + "):\n"
            + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
    this.sagaName = sagaName;
    this.problems = List.copyOf(problems);
  }

  public String sagaName() {
    return sagaName;
  }

  /** Every problem found, in definition order. */
  public List<Problem> problems() {
    return problems;
  }
}
