package io.sagacoord.client;

/**
 * 409: the request clashes with the saga's state (an operator action the status does not allow) or
 * an idempotency key came with another body.
 */
public class ConflictException extends SagaClientException {
  public ConflictException(String message, int status, Problem problem) {
    super(message, status, problem, null);
  }
}
