package io.sagacoord.client;

/**
 * 400 (or another 4xx without a class of its own): the request is malformed; {@code
 * problem().detail()} says why.
 */
public class BadRequestException extends SagaClientException {
  public BadRequestException(String message, int status, Problem problem) {
    super(message, status, problem, null);
  }
}
