package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.Effect;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.JsonCodec;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One saga driven through the real engine, and everything it did: its state, the commands it sent
 * (and which of them the test has not expected yet), the timers pending, the log and the
 * transitions. Every event is recorded with its time and the circuits open then, so the run can be
 * replayed through a fresh engine.
 */
final class SagaRun {
  private record Recorded(SagaEvent event, Instant at, Set<String> openCircuits) {}

  private final SagaDefinition<?> definition;
  private final JsonCodec codec;
  private final SagaEngine engine;
  private final Set<String> openCircuits = new HashSet<>();
  private final List<Recorded> events = new ArrayList<>();
  private final List<SendCommand> sent = new ArrayList<>();
  private final List<SendCommand> unexpected = new ArrayList<>();
  private final List<ScheduleTimer> timers = new ArrayList<>();
  private final List<LogEntry> log = new ArrayList<>();
  private final List<Transition> transitions = new ArrayList<>();
  private UUID sagaId;
  private String startDataJson;
  private Instant startedAt;
  private Set<String> openAtStart = Set.of();
  private SagaState state;

  SagaRun(SagaDefinition<?> definition, JsonCodec codec) {
    this.definition = definition;
    this.codec = codec;
    this.engine = new SagaEngine(codec, participant -> !openCircuits.contains(participant));
  }

  /**
   * The engine's start of the saga with its data checked against the definition's rules; nothing is
   * recorded until {@link #begin}.
   *
   * @throws io.sagacoord.dsl.engine.StartDataViolationsException if the rules find violations
   */
  Transition validatedStart(UUID id, String dataJson, Instant at) {
    return engine.startValidated(definition, id, dataJson, at);
  }

  /** Records an admitted start: from here on events can be fed. */
  void begin(UUID id, Transition started, String dataJson, Instant at) {
    sagaId = id;
    startDataJson = dataJson;
    startedAt = at;
    openAtStart = Set.copyOf(openCircuits);
    record(started);
  }

  boolean started() {
    return state != null;
  }

  /** Applies one event at {@code at} and records what the engine did. */
  Transition feed(SagaEvent event, Instant at) {
    events.add(new Recorded(event, at, Set.copyOf(openCircuits)));
    Transition t = engine.apply(definition, state, event, at);
    record(t);
    return t;
  }

  private void record(Transition t) {
    transitions.add(t);
    state = t.state();
    log.addAll(t.log());
    if (t.disposition() != Disposition.APPLIED) {
      return;
    }
    for (Effect e : t.effects()) {
      if (e instanceof SendCommand c) {
        sent.add(c);
        unexpected.add(c);
      } else if (e instanceof ScheduleTimer s) {
        timers.add(s);
      } else if (e instanceof CancelTimers c) {
        timers.removeIf(s -> c.step() == null || c.step().equals(s.step()));
      }
    }
  }

  void openCircuit(String participant) {
    openCircuits.add(participant);
  }

  void closeCircuit(String participant) {
    openCircuits.remove(participant);
  }

  /** Takes the oldest command not yet expected that matches, if there is one. */
  Optional<SendCommand> takeUnexpected(String participant, String commandType, Phase phase) {
    for (SendCommand c : unexpected) {
      if (c.participant().equals(participant)
          && c.commandType().equals(commandType)
          && c.phase() == phase) {
        unexpected.remove(c);
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  List<SendCommand> unexpected() {
    return List.copyOf(unexpected);
  }

  /** Takes the earliest pending timer due at or before {@code target}, if there is one. */
  Optional<ScheduleTimer> takeTimerDueBy(Instant target) {
    Optional<ScheduleTimer> next =
        timers.stream()
            .filter(t -> !t.dueAt().isAfter(target))
            .min(Comparator.comparing(ScheduleTimer::dueAt));
    next.ifPresent(timers::remove);
    return next;
  }

  /** The state a fresh engine reaches from the same start through the recorded events. */
  SagaState replayed() {
    SagaEngine fresh = new SagaEngine(codec);
    SagaState replayed =
        fresh
            .withGate(p -> !openAtStart.contains(p))
            .start(definition, sagaId, startDataJson, startedAt)
            .state();
    for (Recorded r : events) {
      replayed =
          fresh
              .withGate(p -> !r.openCircuits().contains(p))
              .apply(definition, replayed, r.event(), r.at())
              .state();
    }
    return replayed;
  }

  SagaState state() {
    return state;
  }

  List<SendCommand> sent() {
    return List.copyOf(sent);
  }

  List<ScheduleTimer> timers() {
    return List.copyOf(timers);
  }

  List<LogEntry> log() {
    return List.copyOf(log);
  }

  List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  Transition lastTransition() {
    return transitions.get(transitions.size() - 1);
  }
}
