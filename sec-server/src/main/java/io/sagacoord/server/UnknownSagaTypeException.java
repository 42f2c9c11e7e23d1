package io.sagacoord.server;

/** No definition with this saga type (name) is loaded. */
public class UnknownSagaTypeException extends SecException {
  private final String sagaType;

  public UnknownSagaTypeException(String sagaType) {
    super("no saga definition named '" + sagaType + "' is loaded");
    this.sagaType = sagaType;
  }

  public String sagaType() {
    return sagaType;
  }
}
