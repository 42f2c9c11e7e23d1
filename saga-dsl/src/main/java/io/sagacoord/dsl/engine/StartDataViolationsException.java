package io.sagacoord.dsl.engine;

import java.util.List;

/** The start data decodes, but the definition's {@code validate} rules find violations in it. */
public class StartDataViolationsException extends InvalidSagaDataException {
  private final List<String> violations;

  public StartDataViolationsException(String sagaType, List<String> violations) {
    super(sagaType, String.join("; ", violations), null);
    this.violations = List.copyOf(violations);
  }

  /** The violations, one sentence each, in the order the rules found them. */
  public List<String> violations() {
    return violations;
  }
}
