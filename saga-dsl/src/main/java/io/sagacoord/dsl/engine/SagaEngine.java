package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.dsl.engine.SagaEvent.ParticipantAvailable;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The pure transition rules of sagas: (definition, state, event, now) to (state, effects, log). No
 * I/O, no clock, no randomness: command ids and jitter are derived from the saga id, step, phase
 * and attempt, so replaying a saga's logged events with their logged times reproduces its state.
 * Thread-safe; one instance can serve every saga. The rules are listed in {@code docs/dsl.md},
 * section "Engine semantics".
 *
 * <p>This class checks its arguments and hands each event to the rules of what happens: {@link
 * Replies} and {@link ForwardProgress} move a saga forward, {@link Compensation} undoes it, {@link
 * Timers} handles timeouts, retries and the deadline, {@link OperatorActions} the operator's
 * events, {@link ParticipantWaits} steps whose participant is unavailable; {@link Attempts} sends
 * commands for all of them.
 */
public final class SagaEngine {

  private final JsonCodec codec;
  private final ParticipantGate gate;

  /**
   * An engine that keeps data, commands and replies as JSON through {@code codec} and sends every
   * command ({@link ParticipantGate#ALWAYS_OPEN}).
   */
  public SagaEngine(JsonCodec codec) {
    this(codec, ParticipantGate.ALWAYS_OPEN);
  }

  /**
   * An engine whose commands pass {@code gate}: a command to a participant the gate refuses is not
   * sent, and its step waits for the participant.
   */
  public SagaEngine(JsonCodec codec, ParticipantGate gate) {
    this.codec = Objects.requireNonNull(codec, "codec must not be null");
    this.gate = Objects.requireNonNull(gate, "gate must not be null");
  }

  /** The same rules with another gate (a replay answers from the log, a test from its script). */
  public SagaEngine withGate(ParticipantGate newGate) {
    return new SagaEngine(codec, newGate);
  }

  /**
   * Starts a saga: decodes {@code dataJson} into the definition's data type and sends the first
   * stage's commands. An exception from definition code (condition, mapper) yields a FAILED saga,
   * not an exception.
   *
   * @throws InvalidSagaDataException if the data cannot be decoded (or re-encoded)
   */
  public Transition start(SagaDefinition<?> def, UUID sagaId, String dataJson, Instant now) {
    Objects.requireNonNull(def, "def must not be null");
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    Objects.requireNonNull(now, "now must not be null");
    return startTyped(def, sagaId, dataJson, now, false);
  }

  /**
   * Like {@link #start}, for a new start: the decoded data is first checked against the
   * definition's {@code validate} rules. A replay of a stored start uses {@link #start}, so a rule
   * added later never rejects a saga that was accepted.
   *
   * @throws StartDataViolationsException if a rule finds violations (or throws)
   * @throws InvalidSagaDataException if the data cannot be decoded (or re-encoded)
   */
  public Transition startValidated(
      SagaDefinition<?> def, UUID sagaId, String dataJson, Instant now) {
    Objects.requireNonNull(def, "def must not be null");
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    Objects.requireNonNull(now, "now must not be null");
    return startTyped(def, sagaId, dataJson, now, true);
  }

  /**
   * Applies one event. Never throws for exceptions of definition code (those fail the saga with the
   * stack trace in the log). Duplicate, stale and unknown events come back IGNORED with the state
   * unchanged; operator actions not allowed in the current state come back REJECTED.
   *
   * @throws DefinitionMismatchException if {@code def} is not the saga's name and version
   */
  public Transition apply(SagaDefinition<?> def, SagaState state, SagaEvent event, Instant now) {
    Objects.requireNonNull(def, "def must not be null");
    Objects.requireNonNull(state, "state must not be null");
    Objects.requireNonNull(event, "event must not be null");
    Objects.requireNonNull(now, "now must not be null");
    if (!def.name().equals(state.sagaType()) || def.version() != state.definitionVersion()) {
      throw new DefinitionMismatchException(
          state.sagaId(),
          "runs on "
              + state.sagaType()
              + " v"
              + state.definitionVersion()
              + " but the engine was given "
              + def.name()
              + " v"
              + def.version());
    }
    return applyTyped(def, state, event, now);
  }

  /**
   * Parks a saga whose definition version or fingerprint is not loaded. Terminal sagas are left
   * alone (IGNORED); a parked saga stays parked with the new reason.
   */
  public Transition park(SagaState state, String reason, Instant now) {
    if (state.status().isTerminal()) {
      return new Transition(
          state, List.of(), List.of(), Disposition.IGNORED, "saga is " + state.status());
    }
    SagaStatus previous =
        state.status() == SagaStatus.PARKED ? state.previousStatus() : state.status();
    SagaState parked = state.withStatus(SagaStatus.PARKED, reason, previous, now);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("reason", reason);
    detail.put("previousStatus", previous);
    return new Transition(
        parked,
        List.of(),
        List.of(LogEntry.ofSaga(LogEntryType.SAGA_PARKED, detail)),
        Disposition.APPLIED,
        null);
  }

  /**
   * Takes a PARKED saga back to the status it had, now that its definition is loaded, and re-arms
   * the timers of every outstanding command and retry (replies that came while parked may have been
   * dropped; a timeout then retries). IGNORED when the saga is not parked.
   */
  public Transition resume(SagaDefinition<?> def, SagaState state, Instant now) {
    if (state.status() != SagaStatus.PARKED) {
      return new Transition(state, List.of(), List.of(), Disposition.IGNORED, "saga is not parked");
    }
    return resumeTyped(def, state, now);
  }

  // ------------------------------------------------------------------------------------------

  private static <D> void checkRules(SagaDefinition<D> def, D data) {
    List<String> violations;
    try {
      violations = def.violationsOf(data);
    } catch (RuntimeException e) {
      // a rule that throws (say, on a missing field) has found the data unacceptable
      violations = List.of("the data could not be checked: " + e);
    }
    if (!violations.isEmpty()) {
      throw new StartDataViolationsException(def.name(), violations);
    }
  }

  private <D> Transition startTyped(
      SagaDefinition<D> def, UUID sagaId, String dataJson, Instant now, boolean validate) {
    D data;
    String normalised;
    try {
      data = codec.decode(dataJson, def.dataType());
      if (data == null) {
        throw new IllegalArgumentException("data is null");
      }
      normalised = codec.encode(data);
    } catch (RuntimeException e) {
      throw new InvalidSagaDataException(def.name(), String.valueOf(e.getMessage()), e);
    }
    if (validate) {
      checkRules(def, data);
    }
    Map<String, StepState> steps = new LinkedHashMap<>();
    for (StepDefinition<D> step : def.steps()) {
      steps.put(step.name(), StepState.pending(step.name()));
    }
    Instant deadline = def.deadline().map(now::plus).orElse(null);
    SagaState initial =
        new SagaState(
            sagaId,
            def.name(),
            def.version(),
            def.fingerprint(),
            SagaStatus.RUNNING,
            null,
            normalised,
            steps,
            deadline,
            now,
            now,
            null);
    TransitionContext<D> transition = new TransitionContext<>(def, codec, gate, initial, data, now);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("sagaType", def.name());
    detail.put("version", def.version());
    detail.put("fingerprint", def.fingerprint());
    detail.put("deadline", deadline);
    transition.logSaga(LogEntryType.SAGA_STARTED, detail);
    if (deadline != null) {
      transition.emit(new ScheduleTimer(TimerKind.DEADLINE, null, Phase.FORWARD, 0, deadline));
    }
    try {
      ForwardProgress.advance(transition);
    } catch (DefinitionCodeFailure failure) {
      // the saga exists, FAILED: its log starts with SAGA_STARTED all the same
      Transition failed = failure.failedSaga(initial, null, now);
      List<LogEntry> entries = new ArrayList<>(transition.logEntries().subList(0, 1));
      entries.addAll(failed.log());
      return new Transition(
          failed.state(), failed.effects(), entries, failed.disposition(), failed.reason());
    }
    return transition.applied();
  }

  private <D> Transition applyTyped(
      SagaDefinition<D> def, SagaState state, SagaEvent event, Instant now) {
    TransitionContext<D> transition = new TransitionContext<>(def, codec, gate, state, now);
    try {
      if (event instanceof ReplyReceived reply) {
        return Replies.apply(transition, reply);
      } else if (event instanceof TimerFired timer) {
        return Timers.fire(transition, timer);
      } else if (event instanceof OperatorRetryStep retry) {
        return OperatorActions.retry(transition, retry);
      } else if (event instanceof OperatorForceCompensation force) {
        return OperatorActions.forceCompensation(transition, force);
      } else if (event instanceof OperatorResolve resolve) {
        return OperatorActions.resolve(transition, resolve);
      } else if (event instanceof ParticipantAvailable available) {
        return ParticipantWaits.available(transition, available);
      }
      throw new IllegalArgumentException("unknown event " + event);
    } catch (DefinitionCodeFailure failure) {
      return failure.failedSaga(state, event, now);
    }
  }

  private <D> Transition resumeTyped(SagaDefinition<D> def, SagaState state, Instant now) {
    SagaStatus back = state.previousStatus() == null ? SagaStatus.RUNNING : state.previousStatus();
    TransitionContext<D> transition =
        new TransitionContext<>(def, codec, gate, state.withStatus(back, null, null, now), now);
    transition.logSaga(LogEntryType.SAGA_RESUMED, Map.of("status", back));
    Timers.rearm(transition, back);
    return transition.applied();
  }
}
