package io.sagacoord.dsl.engine;

import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.Objects;
import java.util.UUID;

/** Something that happened to a saga after its start. Serialise with {@link SagaEvents}. */
public sealed interface SagaEvent {

  /**
   * A participant answered a command.
   *
   * @param step step name
   * @param phase forward or compensate
   * @param attempt attempt number of the command answered
   * @param commandId id of the command answered (null skips the id check)
   * @param outcome the outcome
   * @param bodyJson reply body as JSON (reply record, failure reason or refusal), may be null
   */
  record ReplyReceived(
      String step, Phase phase, int attempt, UUID commandId, ReplyOutcome outcome, String bodyJson)
      implements SagaEvent {
    public ReplyReceived {
      Objects.requireNonNull(step, "step must not be null");
      Objects.requireNonNull(phase, "phase must not be null");
      Objects.requireNonNull(outcome, "outcome must not be null");
    }
  }

  /**
   * A timer the engine asked for came due.
   *
   * @param kind timer kind
   * @param step step name, null for DEADLINE
   * @param phase phase (FORWARD for DEADLINE)
   * @param attempt the attempt the timer belongs to (for RETRY: the attempt to send; 0 for
   *     DEADLINE)
   */
  record TimerFired(TimerKind kind, String step, Phase phase, int attempt) implements SagaEvent {
    public TimerFired {
      Objects.requireNonNull(kind, "kind must not be null");
      Objects.requireNonNull(phase, "phase must not be null");
      if (kind != TimerKind.DEADLINE) {
        Objects.requireNonNull(step, "step must not be null for " + kind);
      }
    }
  }

  /**
   * An operator retries: the given step (or, with step null, every step that is stuck) gets a fresh
   * retry budget and is attempted now.
   */
  record OperatorRetryStep(String step, String actor, String reason) implements SagaEvent {
    public OperatorRetryStep {
      Objects.requireNonNull(actor, "actor must not be null");
    }

    /** Retry every stuck step. */
    public OperatorRetryStep(String actor, String reason) {
      this(null, actor, reason);
    }
  }

  /** An operator compensates a saga whose pivot has not succeeded. */
  record OperatorForceCompensation(String actor, String reason) implements SagaEvent {
    public OperatorForceCompensation {
      Objects.requireNonNull(actor, "actor must not be null");
    }
  }

  /** An operator declares a FAILED saga settled by hand. */
  record OperatorResolve(String actor, String reason) implements SagaEvent {
    public OperatorResolve {
      Objects.requireNonNull(actor, "actor must not be null");
    }
  }

  /**
   * The participant's circuit lets commands through again: steps waiting for it are attempted (each
   * still asks the {@link ParticipantGate}; those it refuses keep waiting).
   */
  record ParticipantAvailable(String participant) implements SagaEvent {
    public ParticipantAvailable {
      Objects.requireNonNull(participant, "participant must not be null");
    }
  }
}
