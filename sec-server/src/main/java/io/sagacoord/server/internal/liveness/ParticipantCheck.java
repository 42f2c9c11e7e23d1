package io.sagacoord.server.internal.liveness;

import java.util.Optional;

/**
 * One reason a participant may be unable to take commands now. The {@link StartGate} asks every
 * bean of this type about the participants of a start's first commands; a start is refused (when
 * its definition says so) on the first reason found.
 */
public interface ParticipantCheck {

  /** Why {@code participant} cannot take commands now, as a sentence; empty when it can. */
  Optional<String> unavailable(String participant);
}
