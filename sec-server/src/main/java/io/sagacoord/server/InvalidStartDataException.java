package io.sagacoord.server;

/** The start data is not valid JSON or does not fit the saga's data type; nothing was written. */
public class InvalidStartDataException extends SecException {
  private final String sagaType;

  public InvalidStartDataException(String sagaType, String message, Throwable cause) {
    super("invalid start data for saga '" + sagaType + "': " + message, cause);
    this.sagaType = sagaType;
  }

  public String sagaType() {
    return sagaType;
  }
}
