package io.sagacoord.dsl.engine;

import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.UUID;

/** What the coordinator must do after a transition, in the order given. */
public sealed interface Effect {

  /**
   * Publish a command (through the outbox).
   *
   * @param deadline the saga deadline on forward commands of steps up to the pivot, else null
   */
  record SendCommand(
      String step,
      String participant,
      String topic,
      Phase phase,
      int attempt,
      UUID commandId,
      String commandType,
      String payloadJson,
      Instant deadline)
      implements Effect {}

  /** Keep a durable timer; when due, feed {@code TimerFired(kind, step, phase, attempt)}. */
  record ScheduleTimer(TimerKind kind, String step, Phase phase, int attempt, Instant dueAt)
      implements Effect {}

  /**
   * Drop the timers of a step (null: every timer of the saga). An optimisation only: stale timers
   * are ignored by the engine anyway.
   */
  record CancelTimers(String step) implements Effect {}

  /** The saga reached a terminal status. */
  record SagaEnded(SagaStatus status) implements Effect {}
}
