package io.sagacoord.participant;

/** Root of the participant SDK's unchecked exceptions. */
public class ParticipantException extends RuntimeException {
  public ParticipantException(String message) {
    super(message);
  }

  public ParticipantException(String message, Throwable cause) {
    super(message, cause);
  }
}
