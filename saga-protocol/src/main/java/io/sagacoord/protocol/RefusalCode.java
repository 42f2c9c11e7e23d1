package io.sagacoord.protocol;

/** Why a participant answered {@link ReplyOutcome#REFUSED}; the {@code code} of the reply body. */
public enum RefusalCode {
  /** An older attempt than one the participant has already recorded for this step and phase. */
  STALE_ATTEMPT,
  /** The step was already compensated, so its forward command must never run. */
  FENCED,
  /** The forward command arrived after the saga deadline. */
  DEADLINE_PASSED
}
