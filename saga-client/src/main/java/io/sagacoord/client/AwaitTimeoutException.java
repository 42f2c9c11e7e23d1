package io.sagacoord.client;

/** {@link SagaClient#awaitEnd} ran out of time before the saga ended; carries its last state. */
public class AwaitTimeoutException extends SagaClientException {
  private final Saga lastSeen;

  public AwaitTimeoutException(String message, Saga lastSeen) {
    super(message, 0, null, null);
    this.lastSeen = lastSeen;
  }

  /** The saga as last read, still running, compensating or parked. */
  public Saga lastSeen() {
    return lastSeen;
  }
}
