package io.sagacoord.dsl.engine;

import java.util.List;

/**
 * The result of one engine call.
 *
 * @param state the new state (the same object as before when IGNORED or REJECTED)
 * @param effects what to do, in order (empty when IGNORED or REJECTED)
 * @param log log entries to append, in order
 * @param disposition whether the event changed anything
 * @param reason why it was ignored or rejected; null when applied
 */
public record Transition(
    SagaState state,
    List<Effect> effects,
    List<LogEntry> log,
    Disposition disposition,
    String reason) {

  /** What became of the event. */
  public enum Disposition {
    /** The event moved the saga. */
    APPLIED,
    /** Duplicate, stale, unknown or too late: state unchanged, no effects. */
    IGNORED,
    /** An operator action not allowed in this state (the server answers 409). */
    REJECTED
  }

  public Transition {
    effects = List.copyOf(effects);
    log = List.copyOf(log);
  }

  public boolean applied() {
    return disposition == Disposition.APPLIED;
  }
}
