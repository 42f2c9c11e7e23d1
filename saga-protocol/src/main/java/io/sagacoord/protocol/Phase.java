package io.sagacoord.protocol;

/**
 * Whether a command moves a step forward or undoes it. Outside Java code a phase is always spelled
 * by its {@link #wireName()}: {@code forward} or {@code compensate} (the Kafka header, the saga
 * log, stored events, the REST API, metric tags).
 */
public enum Phase {
  FORWARD("forward"),
  COMPENSATE("compensate");

  private final String wireName;

  Phase(String wireName) {
    this.wireName = wireName;
  }

  /** The value carried in the {@link SagaHeaders#PHASE} header. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a header value.
   *
   * @throws ProtocolException if the value is not a known phase
   */
  public static Phase fromWire(String value) {
    for (Phase phase : values()) {
      if (phase.wireName.equals(value)) {
        return phase;
      }
    }
    throw new ProtocolException("unknown phase '" + value + "' (expected forward or compensate)");
  }
}
