package io.sagacoord.dsl;

/**
 * What a start does when a participant that its first commands go to cannot take them: it has no
 * live instance in the registry, or its circuit is open.
 */
public enum StartWhenUnavailable {
  /** Refuse the start at once, with nothing written (REST: 503 with {@code Retry-After}). */
  REFUSE,
  /**
   * Start the saga anyway: its first command waits for the participant, while the step timeout and
   * the saga deadline keep running.
   */
  ACCEPT_AND_WAIT
}
