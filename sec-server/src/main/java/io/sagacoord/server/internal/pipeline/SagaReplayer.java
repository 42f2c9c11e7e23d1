package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogRow;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Rebuilds a saga's state from its log alone: start with the logged data, then every logged event
 * (reply, timer, operator action, park, resume) at its logged time, through the engine. Used to
 * check that the stored state is exactly what the log explains.
 */
@Component
public class SagaReplayer {

  private final SagaLogReader log;
  private final DefinitionRegistry registry;
  private final SagaEngine engine;
  private final EventJson events;

  public SagaReplayer(
      SagaLogReader log, DefinitionRegistry registry, SagaEngine engine, EventJson events) {
    this.log = log;
    this.registry = registry;
    this.engine = engine;
    this.events = events;
  }

  /**
   * Replays a saga that ran on the given definition version.
   *
   * @throws IllegalStateException if the log is empty, does not begin with a start, or the
   *     definition is not loaded
   */
  public SagaState replay(UUID sagaId, String sagaType, int version) {
    SagaDefinition<?> def =
        registry
            .find(sagaType, version)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "definition " + sagaType + " v" + version + " is not loaded"));
    List<LogRow> rows = log.rows(sagaId);
    if (rows.isEmpty() || rows.get(0).eventJson() == null) {
      throw new IllegalStateException("saga " + sagaId + " has no start in its log");
    }
    LogRow first = rows.get(0);
    if (!EventJson.START.equals(events.type(first.eventJson()))) {
      throw new IllegalStateException("saga " + sagaId + " log does not begin with a start");
    }
    // each transition is replayed with the circuits' answers it logged
    SagaState state =
        engine
            .withGate(ReplayGate.of(first, def))
            .start(def, sagaId, events.startData(first.eventJson()), first.occurredAt())
            .state();
    for (LogRow row : rows.subList(1, rows.size())) {
      if (row.eventJson() == null) {
        continue;
      }
      String type = events.type(row.eventJson());
      Transition t;
      if (EventJson.PARK.equals(type)) {
        t = engine.park(state, events.parkReason(row.eventJson()), row.occurredAt());
      } else if (EventJson.RESUME.equals(type)) {
        t = engine.resume(def, state, row.occurredAt());
      } else {
        t =
            engine
                .withGate(ReplayGate.of(row, def))
                .apply(def, state, events.fromJson(row.eventJson()), row.occurredAt());
      }
      state = t.state();
    }
    return state;
  }
}
