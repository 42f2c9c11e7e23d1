package io.sagacoord.dsl.engine;

/** Where a saga stands as a whole. */
public enum SagaStatus {
  /** Moving forward. */
  RUNNING,
  /** Undoing completed steps (possibly still waiting for in-flight steps to answer first). */
  COMPENSATING,
  /** Every step succeeded or was skipped. */
  COMPLETED,
  /** Every step that could have had an effect was compensated. */
  COMPENSATED,
  /**
   * Stuck: a compensation exhausted its retries, a step after the pivot exhausted its retries, the
   * pivot's outcome stayed unknown, or definition code threw. Waits for an operator.
   */
  FAILED,
  /** Its definition version or fingerprint is not loaded; waits for it. */
  PARKED;

  /**
   * True for COMPLETED, COMPENSATED and FAILED: no reply or timer moves such a saga; only operator
   * events may move a FAILED one.
   */
  public boolean isTerminal() {
    return this == COMPLETED || this == COMPENSATED || this == FAILED;
  }
}
