package io.sagacoord.server;

/** Root of the coordinator's unchecked exceptions. */
public class SecException extends RuntimeException {
  public SecException(String message) {
    super(message);
  }

  public SecException(String message, Throwable cause) {
    super(message, cause);
  }
}
