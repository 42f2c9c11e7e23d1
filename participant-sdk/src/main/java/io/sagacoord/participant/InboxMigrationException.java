package io.sagacoord.participant;

/** The Flyway migration of the inbox table failed when the participant started. */
public class InboxMigrationException extends ParticipantException {
  private final String participant;

  public InboxMigrationException(String participant, Throwable cause) {
    super("participant '" + participant + "': migrating the inbox failed: " + cause, cause);
    this.participant = participant;
  }

  public String participant() {
    return participant;
  }
}
