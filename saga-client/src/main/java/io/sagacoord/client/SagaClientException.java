package io.sagacoord.client;

/**
 * The root of every failure of {@link SagaClient}. Subclasses name the failure; the status and the
 * RFC 9457 problem detail of the coordinator's answer come along (the problem is null when the
 * answer had none, or when no answer came).
 */
public class SagaClientException extends RuntimeException {
  private final int status;
  private final Problem problem;

  public SagaClientException(String message, int status, Problem problem, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.problem = problem;
  }

  /** The HTTP status of the answer, 0 when no answer came. */
  public int status() {
    return status;
  }

  /** The problem detail of the answer, or null. */
  public Problem problem() {
    return problem;
  }
}
