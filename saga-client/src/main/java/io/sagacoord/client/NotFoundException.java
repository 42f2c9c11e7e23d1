package io.sagacoord.client;

/** 404: the saga, the saga type or the quarantined message does not exist. */
public class NotFoundException extends SagaClientException {
  public NotFoundException(String message, int status, Problem problem) {
    super(message, status, problem, null);
  }
}
