package io.sagacoord.server;

import java.time.Duration;

/**
 * The coordinator cannot take a start now: too many starts wait to be written, or a start was not
 * confirmed in time. Nothing is lost by retrying with the same idempotency key; the REST API
 * answers 503 with {@code Retry-After}.
 */
public class CoordinatorBusyException extends SecException {
  private final Duration retryAfter;

  public CoordinatorBusyException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** How long a client should wait before trying again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
