package io.sagacoord.protocol;

/** What a participant answers to a command. The header value is the constant's name. */
public enum ReplyOutcome {
  /** The local transaction committed; the body is the reply record. */
  SUCCESS,
  /** The participant will not do it (for example, no seat left); the body has a reason. */
  BUSINESS_FAILURE,
  /** It could not be done now (an exception, a lost connection); the coordinator may retry. */
  TECHNICAL_FAILURE,
  /**
   * Not executed because it is stale (an older attempt than one already seen), fenced (its
   * compensation arrived first) or too late (past the saga deadline).
   */
  REFUSED;

  /**
   * Parses a header value.
   *
   * @throws ProtocolException if the value is not a known outcome
   */
  public static ReplyOutcome fromWire(String value) {
    try {
      return valueOf(value);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ProtocolException("unknown reply outcome '" + value + "'");
    }
  }
}
