package io.sagacoord.participant.internal;

/** A record that can never be handled; the message is the quarantine reason. */
public final class PoisonRecordException extends Exception {
  public PoisonRecordException(String reason) {
    super(reason, null, false, false);
  }
}
