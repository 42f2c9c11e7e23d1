package io.sagacoord.client;

/** 401: no credentials, or credentials the coordinator does not accept. */
public class UnauthorizedException extends SagaClientException {
  public UnauthorizedException(String message, int status, Problem problem) {
    super(message, status, problem, null);
  }
}
