package io.sagacoord.client;

import java.time.Duration;

/**
 * The coordinator cannot serve the request now: a 503 or 429 answer (with the {@code Retry-After}
 * it gave, if any), or no answer at all (connection refused, request timed out). Worth retrying.
 */
public class UnavailableException extends SagaClientException {
  private final Duration retryAfter;

  public UnavailableException(
      String message, int status, Problem problem, Duration retryAfter, Throwable cause) {
    super(message, status, problem, cause);
    this.retryAfter = retryAfter;
  }

  /** The {@code Retry-After} of the answer, or null when it gave none. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
