package io.sagacoord.dsl.engine;

/** Where one step stands. */
public enum StepStatus {
  /** Not reached yet. */
  PENDING,
  /** Its condition was false when reached; never compensated. */
  SKIPPED,
  /** Forward command sent, waiting for the reply or the timeout. */
  IN_PROGRESS,
  /** Forward attempt failed technically or timed out; waiting for the retry timer. */
  RETRY_WAIT,
  /**
   * The forward attempt is due but its participant is unavailable (circuit open): nothing is sent,
   * no attempt is spent; the step waits for the participant, within its step timeout.
   */
  PARTICIPANT_WAIT,
  /** Forward succeeded. */
  SUCCEEDED,
  /**
   * Forward outcome unknown after the last attempt timed out; counted as done. A pivot has it only
   * when an operator forces a FAILED saga to compensate; the engine asks a pivot until it answers.
   */
  TIMED_OUT,
  /** Business failure, refusal, or technical failures to the end: nothing to undo. */
  FAILED,
  /** Compensation command sent, waiting for the reply or the timeout. */
  COMPENSATING,
  /** Compensation attempt failed or timed out; waiting for the retry timer. */
  COMPENSATION_RETRY_WAIT,
  /**
   * The compensation attempt is due but its participant is unavailable (circuit open): nothing is
   * sent, no attempt is spent; the compensation waits for the participant.
   */
  COMPENSATION_PARTICIPANT_WAIT,
  /** Compensation done (or refused as a no-op by the participant). */
  COMPENSATED,
  /** Compensation exhausted its retries; the saga is FAILED. */
  COMPENSATION_FAILED
}
