package io.sagacoord.dsl;

/** The rules {@code build()} checks across a whole definition. */
public enum ValidationRule {
  /** A saga needs at least one step. */
  NO_STEPS,
  /** Step names are unique in a saga (they are the saga's position). */
  DUPLICATE_STEP_NAME,
  /** Group names are unique and differ from step names. */
  DUPLICATE_GROUP_NAME,
  /** Every step declares its forward command with {@code invoke(...)}. */
  MISSING_COMMAND,
  /** A compensatable step declares {@code compensateWith(...)} or {@code noCompensation()}. */
  MISSING_COMPENSATION,
  /** After the pivot only retriable steps may follow. */
  COMPENSATABLE_AFTER_PIVOT,
  /** At most one pivot. */
  MULTIPLE_PIVOTS,
  /** The pivot is never inside a parallel group. */
  PIVOT_IN_PARALLEL_GROUP,
  /** A retriable step needs a pivot before it. */
  RETRIABLE_WITHOUT_PIVOT,
  /** Timeouts, deadlines and retry delays are positive. */
  NON_POSITIVE_DURATION,
  /** A retry policy allows at least one attempt. */
  RETRY_ATTEMPTS_BELOW_ONE,
  /** A parallel group has at least two steps. */
  GROUP_TOO_SMALL
}
