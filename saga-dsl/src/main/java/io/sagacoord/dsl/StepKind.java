package io.sagacoord.dsl;

/** Richardson's step taxonomy. */
public enum StepKind {
  /** Has a compensation (or declares {@code noCompensation()}); the default. */
  COMPENSATABLE,
  /** The go/no-go step: no compensation; after it the saga only moves forward. At most one. */
  PIVOT,
  /** After the pivot; retried until it succeeds, bounded by its retry policy. Never compensated. */
  RETRIABLE
}
