package io.sagacoord.bridge;

/** The HTTP headers the bridge sends with every call to the service. */
public final class BridgeHeaders {
  /** The same for every delivery of one (saga, step, phase): {@code <saga id>:<step>:<phase>}. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  public static final String SAGA_ID = "Saga-Id";
  public static final String SAGA_TYPE = "Saga-Type";
  public static final String STEP = "Saga-Step";

  /** {@code forward} or {@code compensate}. */
  public static final String PHASE = "Saga-Phase";

  /** The attempt the coordinator asked for, from 1. */
  public static final String ATTEMPT = "Saga-Attempt";

  public static final String COMMAND_ID = "Saga-Command-Id";
  public static final String COMMAND_TYPE = "Saga-Command-Type";

  /**
   * The saga deadline in epoch milliseconds (as on the command record), on forward commands of
   * sagas that have one.
   */
  public static final String DEADLINE = "Saga-Deadline";

  /** The participant name the bridge stands for. */
  public static final String PARTICIPANT = "Saga-Participant";

  /**
   * W3C trace context of the bridge's span for the command, when the bridge traces: the service's
   * own spans can join the saga's trace.
   */
  public static final String TRACEPARENT = "traceparent";

  private BridgeHeaders() {}
}
