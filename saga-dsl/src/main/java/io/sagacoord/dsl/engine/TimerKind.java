package io.sagacoord.dsl.engine;

/** The timers the engine asks the coordinator to keep. */
public enum TimerKind {
  /** A command attempt got no reply in time. */
  STEP_TIMEOUT,
  /** The back-off before the next attempt is over. */
  RETRY,
  /** The saga deadline has passed (step null, phase FORWARD, attempt 0). */
  DEADLINE
}
