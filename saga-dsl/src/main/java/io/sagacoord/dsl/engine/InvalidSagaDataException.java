package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDslException;

/** The data a saga was started with cannot be decoded into the definition's data type. */
public class InvalidSagaDataException extends SagaDslException {
  private final String sagaType;

  public InvalidSagaDataException(String sagaType, String message, Throwable cause) {
    super("invalid data for saga '" + sagaType + "': " + message, cause);
    this.sagaType = sagaType;
  }

  public String sagaType() {
    return sagaType;
  }
}
