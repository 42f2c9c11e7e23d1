package io.sagacoord.testkit;

/**
 * A PostgreSQL server or Kafka broker could not be reached or started. The message names the URL
 * (or the embedded component) that failed, so a misconfigured environment variable is obvious.
 */
public class InfraUnavailableException extends TestkitException {
  private final String target;

  public InfraUnavailableException(String target, String message, Throwable cause) {
    super(message + " [" + target + "]", cause);
    this.target = target;
  }

  /** The URL, bootstrap address or component name that failed. */
  public String target() {
    return target;
  }
}
