package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.SagaEnded;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The working state of one engine call: the saga as the rules change it, and the effects and log
 * entries they produce, in order. Mutable and confined to the call. The rules live in {@link
 * ForwardProgress}, {@link Compensation}, {@link Replies}, {@link Timers}, {@link OperatorActions}
 * and {@link Attempts}; this class only keeps what they share.
 */
final class TransitionContext<D> {

  private final SagaDefinition<D> definition;
  private final JsonCodec codec;
  private final ParticipantGate gate;
  private final Instant now;
  private final SagaState before;
  private final List<Effect> effects = new ArrayList<>();
  private final List<LogEntry> log = new ArrayList<>();
  private SagaState state;
  private D data;

  /**
   * A context for an event on {@code state} whose commands pass {@code gate}; the saga data is
   * decoded when a rule needs it.
   */
  TransitionContext(
      SagaDefinition<D> definition,
      JsonCodec codec,
      ParticipantGate gate,
      SagaState state,
      Instant now) {
    this(definition, codec, gate, state, null, now);
  }

  /** A context whose saga data is already decoded ({@code data}, null: decode when needed). */
  TransitionContext(
      SagaDefinition<D> definition,
      JsonCodec codec,
      ParticipantGate gate,
      SagaState state,
      D data,
      Instant now) {
    this.definition = definition;
    this.codec = codec;
    this.gate = gate;
    this.before = state;
    this.state = state;
    this.data = data;
    this.now = now;
  }

  // ---------------------------------------------------------------- what the rules read

  SagaDefinition<D> definition() {
    return definition;
  }

  Instant now() {
    return now;
  }

  SagaState state() {
    return state;
  }

  SagaStatus status() {
    return state.status();
  }

  StepState step(String name) {
    return state.step(name);
  }

  StepDefinition<D> stepDefinition(String name) {
    return definition.step(name).orElseThrow();
  }

  /** Whether a command to {@code participant} may be sent now (see {@link ParticipantGate}). */
  boolean mayCall(String participant) {
    return gate.mayCall(participant);
  }

  /** Whether the definition has a pivot and it has succeeded: the saga only moves forward. */
  boolean pivotSucceeded() {
    return definition
        .pivot()
        .map(p -> step(p.name()).status() == StepStatus.SUCCEEDED)
        .orElse(false);
  }

  /**
   * Whether some forward outcome is still to be learnt: a step has a forward attempt outstanding,
   * or the pivot waits to be asked again.
   */
  boolean anyForwardOutcomeOpen() {
    return state.steps().values().stream()
        .anyMatch(s -> s.status() == StepStatus.IN_PROGRESS || isPivotWaitingForRetry(s));
  }

  /** Whether {@code step} is the pivot and waits for its next attempt. */
  boolean isPivotWaitingForRetry(StepState step) {
    boolean waits =
        step.status() == StepStatus.RETRY_WAIT
            || (step.status() == StepStatus.PARTICIPANT_WAIT && step.forwardAttempt() > 0);
    return waits && definition.pivot().map(p -> p.name().equals(step.step())).orElse(false);
  }

  /** The saga data, decoded once per call. */
  D data() {
    if (data == null) {
      data =
          runDefinitionCode(
              "-",
              "decoding saga data",
              () -> codec.decode(state.dataJson(), definition.dataType()));
    }
    return data;
  }

  // ---------------------------------------------------------------- what the rules change

  void replaceStep(StepState updated) {
    state = state.withStep(updated, now);
  }

  /** Replaces the saga data with what definition code at {@code step} returned. */
  void replaceData(D updated, String step) {
    String json = runDefinitionCode(step, "encoding saga data", () -> codec.encode(updated));
    data = updated;
    state = state.withData(json, now);
  }

  void changeStatus(SagaStatus status, String reason, SagaStatus previous) {
    state = state.withStatus(status, reason, previous, now);
  }

  void emit(Effect effect) {
    effects.add(effect);
  }

  void log(
      LogEntryType type,
      String step,
      Phase phase,
      int attempt,
      UUID commandId,
      Map<String, ?> detail) {
    log.add(LogEntry.of(type, step, phase, attempt, commandId, detail));
  }

  /** Logs an entry of the saga as a whole. */
  void logSaga(LogEntryType type, Map<String, ?> detail) {
    log.add(LogEntry.ofSaga(type, detail));
  }

  /** The log entries so far, in order. */
  List<LogEntry> logEntries() {
    return Collections.unmodifiableList(log);
  }

  /** Ends the saga in a terminal {@code status}; every timer of it goes. */
  void endSaga(SagaStatus status, String reason, LogEntryType type) {
    changeStatus(status, reason, null);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("reason", reason);
    logSaga(type, detail);
    emit(new CancelTimers(null));
    emit(new SagaEnded(status));
  }

  /** Fails the saga: it waits for an operator, who may take it back to the status it had. */
  void failSaga(String reason) {
    changeStatus(SagaStatus.FAILED, reason, state.status());
    logSaga(LogEntryType.SAGA_FAILED, Map.of("reason", reason));
    emit(new CancelTimers(null));
    emit(new SagaEnded(SagaStatus.FAILED));
  }

  // ---------------------------------------------------------------- definition code

  /**
   * Runs definition code (a condition, mapper, handler, or the codec on its values). What it throws
   * becomes a {@link DefinitionCodeFailure} that fails the saga; of the errors of the virtual
   * machine only a stack overflow does (the definition's own recursion): the others leave the JVM
   * in doubt and are not a saga's failure.
   */
  <T> T runDefinitionCode(String step, String what, Supplier<T> code) {
    try {
      return code.get();
    } catch (VirtualMachineError e) {
      if (e instanceof StackOverflowError) {
        throw new DefinitionCodeFailure(step, what, e);
      }
      throw e;
    } catch (RuntimeException | Error e) {
      // errors such as AssertionError or NoClassDefFoundError are bugs of the definition too
      throw new DefinitionCodeFailure(step, what, e);
    }
  }

  <T> T decode(String step, String what, String json, Class<T> type) {
    return runDefinitionCode(step, what, () -> codec.decode(json, type));
  }

  String encode(String step, String what, Object value) {
    return runDefinitionCode(step, what, () -> codec.encode(value));
  }

  // ---------------------------------------------------------------- results

  /** The event moved the saga: the state, effects and log as the rules left them. */
  Transition applied() {
    return new Transition(state, effects, log, Disposition.APPLIED, null);
  }

  /** The event is stale, duplicate or unknown: the saga as it was, no effects. */
  Transition ignored(String reason) {
    return new Transition(before, List.of(), List.of(), Disposition.IGNORED, reason);
  }

  /** The operator action is not allowed now: the saga as it was, no effects. */
  Transition rejected(String reason) {
    return new Transition(before, List.of(), List.of(), Disposition.REJECTED, reason);
  }
}
