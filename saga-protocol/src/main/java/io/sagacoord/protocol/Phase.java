package io.sagacoord.protocol;

/** Whether a command moves a step forward or undoes it. */
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
