package io.sagacoord.participant;

import java.util.UUID;

/** Reading or writing the inbox row of one (saga, step, phase) failed. */
public class InboxAccessException extends ParticipantException {
  private final UUID sagaId;
  private final String step;
  private final String phase;

  public InboxAccessException(UUID sagaId, String step, String phase, Throwable cause) {
    super("inbox access failed for saga " + sagaId + " step " + step + " " + phase, cause);
    this.sagaId = sagaId;
    this.step = step;
    this.phase = phase;
  }

  public UUID sagaId() {
    return sagaId;
  }

  public String step() {
    return step;
  }

  public String phase() {
    return phase;
  }
}
