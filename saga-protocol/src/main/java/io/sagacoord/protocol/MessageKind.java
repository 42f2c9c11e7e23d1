package io.sagacoord.protocol;

/** The kinds of message on saga topics, carried in {@link SagaHeaders#MESSAGE_KIND}. */
public enum MessageKind {
  /** Coordinator to participant: do (or undo) a step. */
  COMMAND("command"),
  /** Participant to coordinator: the outcome of a command. */
  REPLY("reply"),
  /** Participant to the registry topic: who is alive and what it handles. */
  ANNOUNCEMENT("announcement"),
  /** Participant to the registry topic: this instance is alive (sent every heartbeat interval). */
  HEARTBEAT("heartbeat"),
  /** Any service to the coordinator's start topic: start a saga (idempotent per key). */
  START("start");

  private final String wireName;

  MessageKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /**
   * Parses a header value.
   *
   * @throws ProtocolException if the value is not a known kind
   */
  public static MessageKind fromWire(String value) {
    for (MessageKind kind : values()) {
      if (kind.wireName.equals(value)) {
        return kind;
      }
    }
    throw new ProtocolException("unknown message kind '" + value + "'");
  }
}
