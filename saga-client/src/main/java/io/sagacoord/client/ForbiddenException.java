package io.sagacoord.client;

/** 403: the credentials lack the role (or the saga type) the request needs. */
public class ForbiddenException extends SagaClientException {
  public ForbiddenException(String message, int status, Problem problem) {
    super(message, status, problem, null);
  }
}
