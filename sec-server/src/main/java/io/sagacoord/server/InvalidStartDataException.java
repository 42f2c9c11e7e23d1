package io.sagacoord.server;

import java.util.List;

/**
 * The start data is not valid JSON, does not fit the saga's data type, or breaks the definition's
 * {@code validate} rules ({@link #violations()}); nothing was written.
 */
public class InvalidStartDataException extends SecException {
  private final String sagaType;
  private final List<String> violations;

  public InvalidStartDataException(String sagaType, String message, Throwable cause) {
    this(sagaType, message, cause, List.of());
  }

  public InvalidStartDataException(
      String sagaType, String message, Throwable cause, List<String> violations) {
    super("invalid start data for saga '" + sagaType + "': " + message, cause);
    this.sagaType = sagaType;
    this.violations = List.copyOf(violations);
  }

  public String sagaType() {
    return sagaType;
  }

  /** What the definition's {@code validate} rules found; empty for data that does not decode. */
  public List<String> violations() {
    return violations;
  }
}
