package io.sagacoord.dsl;

/** Root of every unchecked exception thrown by the saga DSL, its engine and its harness. */
public class SagaDslException extends RuntimeException {
  public SagaDslException(String message) {
    super(message);
  }

  public SagaDslException(String message, Throwable cause) {
    super(message, cause);
  }
}
