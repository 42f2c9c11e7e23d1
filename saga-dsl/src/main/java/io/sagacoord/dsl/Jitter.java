package io.sagacoord.dsl;

/** How a back-off delay is randomised, so that many sagas do not retry in lock-step. */
public enum Jitter {
  /** The computed delay as is. */
  NONE,
  /** A random delay between zero and the computed delay. */
  FULL,
  /** Half the computed delay plus a random part of up to the other half. */
  EQUAL
}
