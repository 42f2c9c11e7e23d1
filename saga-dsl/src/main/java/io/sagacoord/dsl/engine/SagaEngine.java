package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.StepKind;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.SagaEnded;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.dsl.internal.Json;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The pure transition rules of sagas: (definition, state, event, now) to (state, effects, log). No
 * I/O, no clock, no randomness: command ids and jitter are derived from the saga id, step, phase
 * and attempt, so replaying a saga's logged events with their logged times reproduces its state.
 * Thread-safe; one instance can serve every saga. The rules are listed in {@code docs/dsl.md},
 * section "Engine semantics".
 */
public final class SagaEngine {

  private final JsonCodec codec;

  /** An engine that keeps data, commands and replies as JSON through {@code codec}. */
  public SagaEngine(JsonCodec codec) {
    this.codec = Objects.requireNonNull(codec, "codec must not be null");
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
    return startTyped(def, sagaId, dataJson, now);
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
        List.of(new LogEntry("SAGA_PARKED", null, null, 0, null, Json.write(detail))),
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

  private <D> Transition startTyped(
      SagaDefinition<D> def, UUID sagaId, String dataJson, Instant now) {
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
    Map<String, StepState> steps = new LinkedHashMap<>();
    for (StepDefinition<D> s : def.steps()) {
      steps.put(s.name(), StepState.pending(s.name()));
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
    Run<D> run = new Run<>(def, codec, initial, now);
    run.cachedData = data;
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("sagaType", def.name());
    detail.put("version", def.version());
    detail.put("fingerprint", def.fingerprint());
    detail.put("deadline", deadline);
    run.log("SAGA_STARTED", null, null, 0, null, detail);
    if (deadline != null) {
      run.effects.add(new ScheduleTimer(TimerKind.DEADLINE, null, Phase.FORWARD, 0, deadline));
    }
    try {
      run.progress();
    } catch (DefinitionCodeFailure failure) {
      Transition failed = run.definitionFailure(initial, failure, null);
      List<LogEntry> entries = new ArrayList<>(run.log.subList(0, 1)); // SAGA_STARTED
      entries.addAll(failed.log());
      return new Transition(
          failed.state(), failed.effects(), entries, failed.disposition(), failed.reason());
    }
    return run.applied();
  }

  private <D> Transition applyTyped(
      SagaDefinition<D> def, SagaState state, SagaEvent event, Instant now) {
    Run<D> run = new Run<>(def, codec, state, now);
    try {
      if (event instanceof ReplyReceived r) {
        return run.onReply(r);
      } else if (event instanceof TimerFired t) {
        return run.onTimer(t);
      } else if (event instanceof OperatorRetryStep o) {
        return run.onOperatorRetry(o);
      } else if (event instanceof OperatorForceCompensation o) {
        return run.onForceCompensation(o);
      } else if (event instanceof OperatorResolve o) {
        return run.onResolve(o);
      }
      throw new IllegalArgumentException("unknown event " + event);
    } catch (DefinitionCodeFailure failure) {
      return run.definitionFailure(state, failure, event);
    }
  }

  private <D> Transition resumeTyped(SagaDefinition<D> def, SagaState state, Instant now) {
    SagaStatus back = state.previousStatus() == null ? SagaStatus.RUNNING : state.previousStatus();
    Run<D> run = new Run<>(def, codec, state.withStatus(back, null, null, now), now);
    run.log("SAGA_RESUMED", null, null, 0, null, Map.of("status", back));
    for (StepDefinition<D> s : def.steps()) {
      StepState st = run.state.step(s.name());
      switch (st.status()) {
        case IN_PROGRESS ->
            run.effects.add(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    s.name(),
                    Phase.FORWARD,
                    st.forwardAttempt(),
                    now.plus(s.timeout())));
        case COMPENSATING ->
            run.effects.add(
                new ScheduleTimer(
                    TimerKind.STEP_TIMEOUT,
                    s.name(),
                    Phase.COMPENSATE,
                    st.compensationAttempt(),
                    now.plus(s.timeout())));
        case RETRY_WAIT ->
            run.effects.add(
                new ScheduleTimer(
                    TimerKind.RETRY, s.name(), Phase.FORWARD, st.forwardAttempt() + 1, now));
        case COMPENSATION_RETRY_WAIT ->
            run.effects.add(
                new ScheduleTimer(
                    TimerKind.RETRY,
                    s.name(),
                    Phase.COMPENSATE,
                    st.compensationAttempt() + 1,
                    now));
        default -> {}
      }
    }
    if (state.deadline() != null && back == SagaStatus.RUNNING) {
      Instant due = state.deadline().isAfter(now) ? state.deadline() : now;
      run.effects.add(new ScheduleTimer(TimerKind.DEADLINE, null, Phase.FORWARD, 0, due));
    }
    return run.applied();
  }

  /** Definition code (condition, mapper, handler, or the codec on its values) threw. */
  private static final class DefinitionCodeFailure extends RuntimeException {
    final String step;
    final String what;

    DefinitionCodeFailure(String step, String what, Throwable cause) {
      super(cause);
      this.step = step;
      this.what = what;
    }
  }

  /** The working context of one engine call. Mutable, confined to the call. */
  private static final class Run<D> {
    final SagaDefinition<D> def;
    final JsonCodec codec;
    final Instant now;
    SagaState state;
    final List<Effect> effects = new ArrayList<>();
    final List<LogEntry> log = new ArrayList<>();
    D cachedData;

    Run(SagaDefinition<D> def, JsonCodec codec, SagaState state, Instant now) {
      this.def = def;
      this.codec = codec;
      this.state = state;
      this.now = now;
    }

    // ---------------------------------------------------------------- results

    Transition applied() {
      return new Transition(state, effects, log, Disposition.APPLIED, null);
    }

    Transition ignored(String reason) {
      return new Transition(state, List.of(), List.of(), Disposition.IGNORED, reason);
    }

    Transition rejected(SagaState original, String reason) {
      return new Transition(original, List.of(), List.of(), Disposition.REJECTED, reason);
    }

    Transition definitionFailure(SagaState original, DefinitionCodeFailure failure, SagaEvent ev) {
      Throwable cause = failure.getCause();
      String reason =
          "definition code failed at step '"
              + failure.step
              + "' ("
              + failure.what
              + "): "
              + cause.getClass().getName()
              + ": "
              + cause.getMessage();
      List<LogEntry> entries = new ArrayList<>();
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("step", failure.step);
      detail.put("code", failure.what);
      detail.put("exception", cause.getClass().getName());
      detail.put("message", cause.getMessage());
      detail.put("stackTrace", stackTrace(cause));
      detail.put("event", ev == null ? null : SagaEvents.toJson(ev));
      entries.add(
          new LogEntry("DEFINITION_CODE_FAILED", failure.step, null, 0, null, Json.write(detail)));
      entries.add(
          new LogEntry("SAGA_FAILED", null, null, 0, null, Json.write(Map.of("reason", reason))));
      StepState st = original.steps().get(failure.step);
      SagaState failed = original;
      if (st != null) {
        failed =
            failed.withStep(
                st.with(
                    st.status(),
                    st.forwardAttempt(),
                    st.compensationAttempt(),
                    st.commandId(),
                    st.startedAt(),
                    st.finishedAt(),
                    failure.what + ": " + cause),
                now);
      }
      SagaStatus previous =
          original.status() == SagaStatus.FAILED ? original.previousStatus() : original.status();
      failed = failed.withStatus(SagaStatus.FAILED, reason, previous, now);
      return new Transition(
          failed,
          List.of(new CancelTimers(null), new SagaEnded(SagaStatus.FAILED)),
          entries,
          Disposition.APPLIED,
          null);
    }

    private static String stackTrace(Throwable t) {
      StringWriter out = new StringWriter();
      t.printStackTrace(new PrintWriter(out));
      return out.toString();
    }

    // ---------------------------------------------------------------- helpers

    void log(String type, String step, Phase phase, int attempt, UUID commandId, Map<String, ?> d) {
      log.add(new LogEntry(type, step, phase, attempt, commandId, Json.write(d)));
    }

    <T> T user(String step, String what, Supplier<T> code) {
      try {
        return code.get();
      } catch (VirtualMachineError e) {
        // a stack overflow is the definition's own recursion; other VM errors (out of memory,
        // internal errors) leave the JVM in doubt and must not be recorded as a saga failure
        if (e instanceof StackOverflowError) {
          throw new DefinitionCodeFailure(step, what, e);
        }
        throw e;
      } catch (RuntimeException | Error e) {
        // Errors too (AssertionError, NoClassDefFoundError, ...): they are bugs of the definition
        throw new DefinitionCodeFailure(step, what, e);
      }
    }

    D data() {
      if (cachedData == null) {
        cachedData =
            user("-", "decoding saga data", () -> codec.decode(state.dataJson(), def.dataType()));
      }
      return cachedData;
    }

    void setData(D data, String step) {
      String json = user(step, "encoding saga data", () -> codec.encode(data));
      cachedData = data;
      state = state.withData(json, now);
    }

    StepDefinition<D> stepDef(String name) {
      return def.step(name).orElseThrow();
    }

    StepState st(String name) {
      return state.step(name);
    }

    void put(StepState s) {
      state = state.withStep(s, now);
    }

    boolean pivotSucceeded() {
      return def.pivot().map(p -> st(p.name()).status() == StepStatus.SUCCEEDED).orElse(false);
    }

    boolean anyForwardInFlight() {
      return state.steps().values().stream().anyMatch(s -> s.status() == StepStatus.IN_PROGRESS);
    }

    // ---------------------------------------------------------------- commands

    void sendForward(String step, int attempt) {
      StepDefinition<D> sd = stepDef(step);
      D d = data();
      Object command = user(step, "forward command mapper", () -> sd.forwardCommand(d));
      String payload = user(step, "encoding the forward command", () -> codec.encode(command));
      UUID commandId = Hashing.commandId(state.sagaId(), step, Phase.FORWARD.name(), attempt);
      // after the pivot the saga only moves forward, so its commands must not be refused as late
      Instant deadline = def.isAfterPivot(step) ? null : state.deadline();
      effects.add(
          new SendCommand(
              step,
              sd.participant().name(),
              sd.participant().commandTopic(),
              Phase.FORWARD,
              attempt,
              commandId,
              sd.commandType(),
              payload,
              deadline));
      effects.add(
          new ScheduleTimer(
              TimerKind.STEP_TIMEOUT, step, Phase.FORWARD, attempt, now.plus(sd.timeout())));
      StepState s = st(step);
      put(
          s.with(
              StepStatus.IN_PROGRESS,
              attempt,
              s.compensationAttempt(),
              commandId,
              s.startedAt() == null ? now : s.startedAt(),
              null,
              s.lastError()));
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("participant", sd.participant().name());
      detail.put("topic", sd.participant().commandTopic());
      detail.put("commandType", sd.commandType());
      log("COMMAND_SENT", step, Phase.FORWARD, attempt, commandId, detail);
    }

    void sendCompensation(String step, int attempt) {
      StepDefinition<D> sd = stepDef(step);
      D d = data();
      Object command = user(step, "compensation command mapper", () -> sd.compensationCommand(d));
      String payload = user(step, "encoding the compensation command", () -> codec.encode(command));
      UUID commandId = Hashing.commandId(state.sagaId(), step, Phase.COMPENSATE.name(), attempt);
      String type = sd.compensationCommandType().orElseThrow();
      effects.add(
          new SendCommand(
              step,
              sd.participant().name(),
              sd.participant().commandTopic(),
              Phase.COMPENSATE,
              attempt,
              commandId,
              type,
              payload,
              null));
      effects.add(
          new ScheduleTimer(
              TimerKind.STEP_TIMEOUT, step, Phase.COMPENSATE, attempt, now.plus(sd.timeout())));
      StepState s = st(step);
      put(
          s.with(
              StepStatus.COMPENSATING,
              s.forwardAttempt(),
              attempt,
              commandId,
              s.startedAt() == null ? now : s.startedAt(),
              null,
              s.lastError()));
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("participant", sd.participant().name());
      detail.put("topic", sd.participant().commandTopic());
      detail.put("commandType", type);
      log("COMMAND_SENT", step, Phase.COMPENSATE, attempt, commandId, detail);
    }

    void scheduleRetry(String step, Phase phase, int nextAttempt, String error) {
      StepDefinition<D> sd = stepDef(step);
      var policy = phase == Phase.FORWARD ? sd.retry() : sd.compensationRetry();
      double random =
          Hashing.unitRandom(state.sagaId() + "|" + step + "|" + phase + "|" + nextAttempt);
      Duration delay = policy.delayBefore(nextAttempt, random);
      Instant due = now.plus(delay);
      effects.add(new ScheduleTimer(TimerKind.RETRY, step, phase, nextAttempt, due));
      StepState s = st(step);
      StepStatus wait =
          phase == Phase.FORWARD ? StepStatus.RETRY_WAIT : StepStatus.COMPENSATION_RETRY_WAIT;
      put(
          s.with(
              wait, s.forwardAttempt(), s.compensationAttempt(), null, s.startedAt(), null, error));
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("error", error);
      detail.put("nextAttempt", nextAttempt);
      detail.put("delayMillis", delay.toMillis());
      detail.put("dueAt", due);
      log("RETRY_SCHEDULED", step, phase, nextAttempt - 1, null, detail);
    }

    // ---------------------------------------------------------------- progress

    /** Moves the saga as far as it can go without new events. */
    void progress() {
      if (state.status() == SagaStatus.RUNNING) {
        advance();
      } else if (state.status() == SagaStatus.COMPENSATING) {
        compensateNext();
      }
    }

    void advance() {
      for (List<StepDefinition<D>> stage : def.stages()) {
        if (stage.stream().allMatch(s -> done(st(s.name()).status()))) {
          continue;
        }
        boolean startedAny = false;
        for (StepDefinition<D> s : stage) {
          if (st(s.name()).status() != StepStatus.PENDING) {
            continue;
          }
          startedAny = true;
          D d = data();
          boolean enabled = user(s.name(), "condition", () -> s.isEnabledFor(d));
          if (enabled) {
            sendForward(s.name(), st(s.name()).forwardAttempt() + 1);
          } else {
            StepState cur = st(s.name());
            put(cur.with(StepStatus.SKIPPED, 0, 0, null, now, now, null));
            log("STEP_SKIPPED", s.name(), null, 0, null, Map.of("reason", "condition is false"));
          }
        }
        if (startedAny && stage.stream().allMatch(s -> done(st(s.name()).status()))) {
          continue; // every member was skipped
        }
        return;
      }
      end(SagaStatus.COMPLETED, null, "SAGA_COMPLETED");
    }

    private static boolean done(StepStatus s) {
      return s == StepStatus.SUCCEEDED || s == StepStatus.SKIPPED;
    }

    void compensateNext() {
      if (anyForwardInFlight()) {
        return; // siblings answer or time out first, so we know what to undo
      }
      if (pivotSucceeded()) {
        // only reachable when the deadline or an operator started compensating while the pivot
        // was in flight and it then succeeded: nothing was undone yet, so move forward instead
        state = state.withStatus(SagaStatus.RUNNING, null, null, now);
        log("COMPENSATION_ABANDONED", null, null, 0, null, Map.of("reason", "the pivot succeeded"));
        advance();
        return;
      }
      for (StepState s : state.steps().values()) {
        if (s.status() == StepStatus.COMPENSATING
            || s.status() == StepStatus.COMPENSATION_RETRY_WAIT) {
          return; // one compensation at a time, in reverse order
        }
      }
      List<StepDefinition<D>> steps = def.steps();
      for (int i = steps.size() - 1; i >= 0; i--) {
        StepDefinition<D> sd = steps.get(i);
        if (needsCompensation(sd, st(sd.name()))) {
          sendCompensation(sd.name(), st(sd.name()).compensationAttempt() + 1);
          return;
        }
      }
      end(SagaStatus.COMPENSATED, state.statusReason(), "SAGA_COMPENSATED");
    }

    static <D> boolean needsCompensation(StepDefinition<D> sd, StepState s) {
      if (sd.kind() != StepKind.COMPENSATABLE || !sd.hasCompensation()) {
        return false;
      }
      // RETRY_WAIT: an attempt was sent and may have run; compensating an unseen command is a
      // no-op for the participant and fences the late command
      return s.status() == StepStatus.SUCCEEDED
          || s.status() == StepStatus.TIMED_OUT
          || s.status() == StepStatus.RETRY_WAIT;
    }

    void beginCompensation(String reason) {
      state = state.withStatus(SagaStatus.COMPENSATING, reason, null, now);
      log("COMPENSATION_STARTED", null, null, 0, null, Map.of("reason", reason));
      for (StepState s : state.steps().values()) {
        if (s.status() == StepStatus.RETRY_WAIT) {
          effects.add(new CancelTimers(s.step()));
        }
      }
      compensateNext();
    }

    void fail(String reason) {
      SagaStatus previous = state.status();
      state = state.withStatus(SagaStatus.FAILED, reason, previous, now);
      log("SAGA_FAILED", null, null, 0, null, Map.of("reason", reason));
      effects.add(new CancelTimers(null));
      effects.add(new SagaEnded(SagaStatus.FAILED));
    }

    void end(SagaStatus status, String reason, String logType) {
      state = state.withStatus(status, reason, null, now);
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("reason", reason);
      log(logType, null, null, 0, null, detail);
      effects.add(new CancelTimers(null));
      effects.add(new SagaEnded(status));
    }

    /** A forward step ended without success (FAILED: nothing to undo; TIMED_OUT: maybe done). */
    void forwardGaveUp(String step, StepStatus outcome, String error) {
      StepState s = st(step);
      put(
          s.with(
              outcome,
              s.forwardAttempt(),
              s.compensationAttempt(),
              null,
              s.startedAt(),
              now,
              error));
      log(
          outcome == StepStatus.TIMED_OUT ? "STEP_TIMED_OUT" : "STEP_FAILED",
          step,
          Phase.FORWARD,
          s.forwardAttempt(),
          null,
          Map.of("error", error));
      StepDefinition<D> sd = stepDef(step);
      if (sd.kind() == StepKind.PIVOT && outcome == StepStatus.TIMED_OUT) {
        // a pivot cannot be undone, so an unknown outcome cannot be compensated safely
        fail("pivot outcome unknown: step '" + step + "' timed out on every attempt");
      } else if (def.isAfterPivot(step)) {
        fail("step after pivot exhausted: step '" + step + "': " + error);
      } else if (state.status() == SagaStatus.RUNNING) {
        beginCompensation("step '" + step + "' failed: " + error);
      } else {
        compensateNext();
      }
    }

    /** A forward attempt failed in a retriable way: retry by policy, or give up. */
    void forwardAttemptFailed(String step, String error, StepStatus whenExhausted) {
      StepDefinition<D> sd = stepDef(step);
      StepState s = st(step);
      if (state.status() == SagaStatus.RUNNING
          && sd.retry().allowsAnotherAttempt(s.forwardAttemptsInBudget())) {
        scheduleRetry(step, Phase.FORWARD, s.forwardAttempt() + 1, error);
      } else {
        forwardGaveUp(step, whenExhausted, error);
      }
    }

    void compensationAttemptFailed(String step, String error) {
      StepDefinition<D> sd = stepDef(step);
      StepState s = st(step);
      if (sd.compensationRetry().allowsAnotherAttempt(s.compensationAttemptsInBudget())) {
        scheduleRetry(step, Phase.COMPENSATE, s.compensationAttempt() + 1, error);
      } else {
        put(
            s.with(
                StepStatus.COMPENSATION_FAILED,
                s.forwardAttempt(),
                s.compensationAttempt(),
                null,
                s.startedAt(),
                now,
                error));
        log(
            "STEP_COMPENSATION_FAILED",
            step,
            Phase.COMPENSATE,
            s.compensationAttempt(),
            null,
            Map.of("error", error));
        fail("compensation exhausted: step '" + step + "': " + error);
      }
    }

    // ---------------------------------------------------------------- events

    Transition onReply(ReplyReceived r) {
      if (state.status() != SagaStatus.RUNNING && state.status() != SagaStatus.COMPENSATING) {
        return ignored("saga is " + state.status());
      }
      StepState s = state.steps().get(r.step());
      if (s == null) {
        return ignored("unknown step '" + r.step() + "'");
      }
      if (r.commandId() != null && !r.commandId().equals(s.commandId())) {
        return ignored("command " + r.commandId() + " is not outstanding");
      }
      if (r.phase() == Phase.FORWARD) {
        if (s.status() != StepStatus.IN_PROGRESS || r.attempt() != s.forwardAttempt()) {
          return ignored("no forward attempt " + r.attempt() + " outstanding at " + r.step());
        }
        effects.add(new CancelTimers(r.step()));
        onForwardReply(r);
      } else {
        if (s.status() != StepStatus.COMPENSATING || r.attempt() != s.compensationAttempt()) {
          return ignored("no compensation attempt " + r.attempt() + " outstanding at " + r.step());
        }
        effects.add(new CancelTimers(r.step()));
        onCompensationReply(r);
      }
      return applied();
    }

    private void onForwardReply(ReplyReceived r) {
      String step = r.step();
      StepDefinition<D> sd = stepDef(step);
      StepState s = st(step);
      switch (r.outcome()) {
        case SUCCESS -> {
          if (sd.replyType().isPresent()) {
            Class<?> type = sd.replyType().get();
            Object reply = user(step, "decoding the reply", () -> codec.decode(r.bodyJson(), type));
            D d = data();
            D next = user(step, "reply handler", () -> sd.applyReply(d, reply));
            setData(next, step);
          }
          put(
              s.with(
                  StepStatus.SUCCEEDED,
                  s.forwardAttempt(),
                  s.compensationAttempt(),
                  null,
                  s.startedAt(),
                  now,
                  s.lastError()));
          log("STEP_SUCCEEDED", step, Phase.FORWARD, r.attempt(), r.commandId(), Map.of());
          progress();
        }
        case BUSINESS_FAILURE -> {
          String error = "business failure: " + r.bodyJson();
          if (sd.kind() == StepKind.RETRIABLE) {
            forwardAttemptFailed(step, error, StepStatus.FAILED);
          } else {
            if (sd.failureType().isPresent()) {
              Class<?> type = sd.failureType().get();
              Object failure =
                  user(step, "decoding the failure", () -> codec.decode(r.bodyJson(), type));
              D d = data();
              D next = user(step, "failure handler", () -> sd.applyFailure(d, failure));
              setData(next, step);
            }
            forwardGaveUp(step, StepStatus.FAILED, error);
          }
        }
        case TECHNICAL_FAILURE ->
            // a technical failure means the participant rolled back: the step did not happen
            forwardAttemptFailed(step, "technical failure: " + r.bodyJson(), StepStatus.FAILED);
        case REFUSED -> {
          String error = "refused: " + r.bodyJson();
          if (sd.kind() == StepKind.RETRIABLE) {
            forwardAttemptFailed(step, error, StepStatus.FAILED);
          } else {
            forwardGaveUp(step, StepStatus.FAILED, error);
          }
        }
      }
    }

    private void onCompensationReply(ReplyReceived r) {
      String step = r.step();
      StepState s = st(step);
      if (r.outcome() == ReplyOutcome.SUCCESS || r.outcome() == ReplyOutcome.REFUSED) {
        // a refused compensation means the participant has nothing to undo: done
        put(
            s.with(
                StepStatus.COMPENSATED,
                s.forwardAttempt(),
                s.compensationAttempt(),
                null,
                s.startedAt(),
                now,
                s.lastError()));
        log(
            "STEP_COMPENSATED",
            step,
            Phase.COMPENSATE,
            r.attempt(),
            r.commandId(),
            Map.of("outcome", r.outcome()));
        compensateNext();
      } else {
        compensationAttemptFailed(
            step, r.outcome().name().toLowerCase().replace('_', ' ') + ": " + r.bodyJson());
      }
    }

    Transition onTimer(TimerFired t) {
      if (t.kind() == TimerKind.DEADLINE) {
        return onDeadline();
      }
      if (state.status() != SagaStatus.RUNNING && state.status() != SagaStatus.COMPENSATING) {
        return ignored("saga is " + state.status());
      }
      StepState s = state.steps().get(t.step());
      if (s == null) {
        return ignored("unknown step '" + t.step() + "'");
      }
      if (t.kind() == TimerKind.STEP_TIMEOUT) {
        if (t.phase() == Phase.FORWARD) {
          if (s.status() != StepStatus.IN_PROGRESS || t.attempt() != s.forwardAttempt()) {
            return ignored("stale forward timeout");
          }
          log("ATTEMPT_TIMED_OUT", t.step(), Phase.FORWARD, t.attempt(), s.commandId(), Map.of());
          forwardAttemptFailed(t.step(), "timed out", StepStatus.TIMED_OUT);
        } else {
          if (s.status() != StepStatus.COMPENSATING || t.attempt() != s.compensationAttempt()) {
            return ignored("stale compensation timeout");
          }
          log(
              "ATTEMPT_TIMED_OUT",
              t.step(),
              Phase.COMPENSATE,
              t.attempt(),
              s.commandId(),
              Map.of());
          compensationAttemptFailed(t.step(), "timed out");
        }
        return applied();
      }
      // RETRY
      if (t.phase() == Phase.FORWARD) {
        if (state.status() != SagaStatus.RUNNING
            || s.status() != StepStatus.RETRY_WAIT
            || t.attempt() != s.forwardAttempt() + 1) {
          return ignored("stale forward retry");
        }
        sendForward(t.step(), t.attempt());
      } else {
        if (s.status() != StepStatus.COMPENSATION_RETRY_WAIT
            || t.attempt() != s.compensationAttempt() + 1) {
          return ignored("stale compensation retry");
        }
        sendCompensation(t.step(), t.attempt());
      }
      return applied();
    }

    private Transition onDeadline() {
      if (state.status() != SagaStatus.RUNNING) {
        return ignored("saga is " + state.status());
      }
      if (state.deadline() == null || now.isBefore(state.deadline())) {
        return ignored("deadline not reached");
      }
      if (pivotSucceeded()) {
        return ignored("deadline passed after the pivot: the saga completes forward");
      }
      log("DEADLINE_PASSED", null, null, 0, null, Map.of("deadline", state.deadline()));
      beginCompensation("deadline passed");
      return applied();
    }

    // ---------------------------------------------------------------- operator

    Transition onOperatorRetry(OperatorRetryStep o) {
      SagaState original = state;
      if (o.step() != null && !state.steps().containsKey(o.step())) {
        return rejected(original, "unknown step '" + o.step() + "'");
      }
      SagaStatus status = state.status();
      if (status == SagaStatus.FAILED) {
        SagaStatus back =
            state.previousStatus() == null ? SagaStatus.RUNNING : state.previousStatus();
        state = state.withStatus(back, null, null, now);
        logOperator("OPERATOR_RETRY", o.step(), o.actor(), o.reason());
        boolean any = false;
        for (StepState s : original.steps().values()) {
          if (o.step() != null && !o.step().equals(s.step())) {
            continue;
          }
          any |= retryStuck(s.step(), true);
        }
        if (!any && o.step() != null && original.step(o.step()).status() != StepStatus.PENDING) {
          return rejected(original, "step '" + o.step() + "' is not stuck");
        }
        if (back == SagaStatus.COMPENSATING) {
          String why = "retried by " + o.actor() + (o.reason() == null ? "" : ": " + o.reason());
          state = state.withStatus(SagaStatus.COMPENSATING, why, null, now);
        }
        progress();
        return applied();
      }
      if (status == SagaStatus.RUNNING || status == SagaStatus.COMPENSATING) {
        boolean any = false;
        logOperator("OPERATOR_RETRY", o.step(), o.actor(), o.reason());
        for (StepState s : original.steps().values()) {
          if (o.step() != null && !o.step().equals(s.step())) {
            continue;
          }
          any |= retryStuck(s.step(), false);
        }
        if (!any) {
          return rejected(
              original,
              o.step() == null
                  ? "no step is waiting for a retry"
                  : "step '" + o.step() + "' is not waiting for a retry");
        }
        return applied();
      }
      return rejected(original, "saga is " + status);
    }

    /** Gives a stuck step a fresh budget and attempts it now; false when it is not stuck. */
    private boolean retryStuck(String step, boolean sagaWasFailed) {
      StepState s = st(step);
      StepDefinition<D> sd = stepDef(step);
      boolean forward =
          s.status() == StepStatus.RETRY_WAIT
              || (sagaWasFailed
                  && (s.status() == StepStatus.IN_PROGRESS
                      || (s.status() == StepStatus.TIMED_OUT && sd.kind() != StepKind.COMPENSATABLE)
                      || (s.status() == StepStatus.FAILED && sd.kind() == StepKind.RETRIABLE)));
      boolean compensation =
          s.status() == StepStatus.COMPENSATION_RETRY_WAIT
              || (sagaWasFailed
                  && (s.status() == StepStatus.COMPENSATING
                      || s.status() == StepStatus.COMPENSATION_FAILED));
      if (forward) {
        if (s.status() == StepStatus.RETRY_WAIT && state.status() != SagaStatus.RUNNING) {
          return false; // waiting for its compensation, not for a retry
        }
        put(s.withBases(s.forwardAttempt(), s.compensationAttemptBase()));
        sendForward(step, s.forwardAttempt() + 1);
        return true;
      }
      if (compensation) {
        put(s.withBases(s.forwardAttemptBase(), s.compensationAttempt()));
        sendCompensation(step, s.compensationAttempt() + 1);
        return true;
      }
      return false;
    }

    Transition onForceCompensation(OperatorForceCompensation o) {
      SagaState original = state;
      SagaStatus status = state.status();
      if (status != SagaStatus.RUNNING && status != SagaStatus.FAILED) {
        return rejected(original, "saga is " + status);
      }
      if (pivotSucceeded()) {
        return rejected(original, "the pivot has succeeded: the saga can only move forward");
      }
      logOperator("OPERATOR_FORCE_COMPENSATION", null, o.actor(), o.reason());
      if (status == SagaStatus.FAILED) {
        for (StepState s : original.steps().values()) {
          switch (s.status()) {
            case IN_PROGRESS -> {
              // its reply was ignored while FAILED: treat as possibly done
              put(
                  s.with(
                      StepStatus.TIMED_OUT,
                      s.forwardAttempt(),
                      s.compensationAttempt(),
                      null,
                      s.startedAt(),
                      now,
                      s.lastError()));
            }
            case COMPENSATING, COMPENSATION_RETRY_WAIT, COMPENSATION_FAILED -> {
              // a fresh budget; the compensation is sent again when its turn comes
              put(
                  s.withBases(s.forwardAttemptBase(), s.compensationAttempt())
                      .with(
                          StepStatus.TIMED_OUT,
                          s.forwardAttempt(),
                          s.compensationAttempt(),
                          null,
                          s.startedAt(),
                          now,
                          s.lastError()));
            }
            default -> {}
          }
        }
      }
      beginCompensation("forced by " + o.actor() + (o.reason() == null ? "" : ": " + o.reason()));
      return applied();
    }

    Transition onResolve(OperatorResolve o) {
      if (state.status() != SagaStatus.FAILED) {
        return rejected(state, "only a FAILED saga can be resolved; saga is " + state.status());
      }
      SagaStatus settled =
          state.previousStatus() == SagaStatus.COMPENSATING
              ? SagaStatus.COMPENSATED
              : SagaStatus.COMPLETED;
      logOperator("OPERATOR_RESOLVED", null, o.actor(), o.reason());
      String why = "resolved by " + o.actor() + (o.reason() == null ? "" : ": " + o.reason());
      end(settled, why, settled == SagaStatus.COMPLETED ? "SAGA_COMPLETED" : "SAGA_COMPENSATED");
      return applied();
    }

    private void logOperator(String type, String step, String actor, String reason) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("actor", actor);
      detail.put("reason", reason);
      log(type, step, null, 0, null, detail);
    }
  }
}
