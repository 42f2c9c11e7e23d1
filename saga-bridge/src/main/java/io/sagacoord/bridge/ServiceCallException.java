package io.sagacoord.bridge;

/**
 * The service gave no usable answer: the command ends as a technical failure whose reason is this
 * message. It carries no stack trace: the reason says all there is to say, and a service that is
 * down must not flood the log.
 */
public final class ServiceCallException extends Exception {
  private static final long serialVersionUID = 1L;

  public ServiceCallException(String message) {
    super(message, null, false, false);
  }
}
