package io.sagacoord.dsl.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * What a saga log entry records. The engine writes every type but {@link #EVENT_APPLIED}, which the
 * coordinator writes. {@link #stored()} is the name a saga log keeps ({@link LogEntry#type()}, the
 * coordinator's tables); it stays the same whatever the constant is called. Each entry's detail is
 * a JSON object with the keys named here.
 */
public enum LogEntryType {
  /**
   * The saga started; detail {@code sagaType}, {@code version}, {@code fingerprint}, {@code
   * deadline}.
   */
  SAGA_STARTED("SAGA_STARTED"),
  /** A command attempt was sent; detail {@code participant}, {@code topic}, {@code commandType}. */
  COMMAND_SENT("COMMAND_SENT"),
  /**
   * A command was due but its participant is unavailable (circuit open): the step waits, no attempt
   * spent; the entry's attempt is the one that waits; detail {@code participant}.
   */
  PARTICIPANT_UNAVAILABLE("PARTICIPANT_UNAVAILABLE"),
  /**
   * A step stopped waiting for its participant; detail {@code participant}, {@code reason} ({@code
   * available}: the command follows; {@code step timeout} or {@code compensating}: the step gives
   * up without having sent it).
   */
  PARTICIPANT_WAIT_ENDED("PARTICIPANT_WAIT_ENDED"),
  /** A step's condition was false when its stage was reached; detail {@code reason}. */
  STEP_SKIPPED("STEP_SKIPPED"),
  /** A forward attempt succeeded; empty detail. */
  STEP_SUCCEEDED("STEP_SUCCEEDED"),
  /** A forward step gave up and has nothing to undo; detail {@code error}. */
  STEP_FAILED("STEP_FAILED"),
  /** Every forward attempt of a step timed out: it may have happened; detail {@code error}. */
  STEP_TIMED_OUT("STEP_TIMED_OUT"),
  /** One attempt got no reply within the step timeout; empty detail. */
  ATTEMPT_TIMED_OUT("ATTEMPT_TIMED_OUT"),
  /**
   * A failed attempt is followed by another after a back-off; the entry's attempt is the failed
   * one, detail {@code error}, {@code nextAttempt}, {@code delayMillis}, {@code dueAt}.
   */
  RETRY_SCHEDULED("RETRY_SCHEDULED"),
  /** The saga started to compensate; detail {@code reason}. */
  COMPENSATION_STARTED("COMPENSATION_STARTED"),
  /** The pivot succeeded while compensating, before anything was undone; detail {@code reason}. */
  COMPENSATION_ABANDONED("COMPENSATION_ABANDONED"),
  /** A step's compensation succeeded (or was refused: nothing to undo); detail {@code outcome}. */
  STEP_COMPENSATED("STEP_COMPENSATED"),
  /** A step's compensation exhausted its retry policy; detail {@code error}. */
  STEP_COMPENSATION_FAILED("STEP_COMPENSATION_FAILED"),
  /** The saga deadline passed before the pivot succeeded; detail {@code deadline}. */
  DEADLINE_PASSED("DEADLINE_PASSED"),
  /** The saga completed; detail {@code reason} (null unless an operator resolved it). */
  SAGA_COMPLETED("SAGA_COMPLETED"),
  /** The saga is compensated; detail {@code reason}. */
  SAGA_COMPENSATED("SAGA_COMPENSATED"),
  /** The saga failed and waits for an operator; detail {@code reason}. */
  SAGA_FAILED("SAGA_FAILED"),
  /**
   * Definition code threw; detail {@code step}, {@code code}, {@code exception}, {@code message},
   * {@code stackTrace}, {@code event}.
   */
  DEFINITION_CODE_FAILED("DEFINITION_CODE_FAILED"),
  /** An operator retried a step or every stuck step; detail {@code actor}, {@code reason}. */
  OPERATOR_RETRY("OPERATOR_RETRY"),
  /** An operator forced compensation; detail {@code actor}, {@code reason}. */
  OPERATOR_FORCE_COMPENSATION("OPERATOR_FORCE_COMPENSATION"),
  /** An operator settled a FAILED saga by hand; detail {@code actor}, {@code reason}. */
  OPERATOR_RESOLVED("OPERATOR_RESOLVED"),
  /** The saga's definition is not loaded; detail {@code reason}, {@code previousStatus}. */
  SAGA_PARKED("SAGA_PARKED"),
  /** A parked saga's definition is loaded again; detail {@code status}. */
  SAGA_RESUMED("SAGA_RESUMED"),
  /**
   * Written by the coordinator, never by the engine: an event changed the saga although the engine
   * logged nothing for it; no detail.
   */
  EVENT_APPLIED("EVENT_APPLIED");

  private static final Map<String, LogEntryType> BY_STORED_NAME = new HashMap<>();

  static {
    for (LogEntryType type : values()) {
      BY_STORED_NAME.put(type.stored, type);
    }
  }

  private final String stored;

  LogEntryType(String stored) {
    this.stored = stored;
  }

  /** The name a saga log keeps for this type. */
  public String stored() {
    return stored;
  }

  /**
   * The type a saga log names {@code stored}.
   *
   * @throws IllegalArgumentException if no type is stored under that name
   */
  public static LogEntryType fromStored(String stored) {
    LogEntryType type = BY_STORED_NAME.get(stored);
    if (type == null) {
      throw new IllegalArgumentException("unknown log entry type '" + stored + "'");
    }
    return type;
  }
}
