package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaRow;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Pairs a locked saga row with its definition before an event is applied. A saga whose definition
 * version is missing or whose fingerprint differs is PARKED through the engine; a parked saga whose
 * definition is loaded again is resumed through the engine. Park and resume are logged with an
 * event of type Park / Resume so that a replay can repeat them.
 */
@Component
public class SagaLoader {

  /**
   * @param row the row after any park/resume write
   * @param state its state
   * @param definition the definition, or null when the saga is (now) parked
   * @param written the park/resume write, or null
   */
  public record Loaded(
      SagaRow row,
      SagaState state,
      SagaDefinition<?> definition,
      TransitionWriter.Written written) {}

  private final DefinitionRegistry registry;
  private final SagaEngine engine;
  private final TransitionWriter writer;
  private final StateMapper mapper;
  private final EventJson events;

  public SagaLoader(
      DefinitionRegistry registry,
      SagaEngine engine,
      TransitionWriter writer,
      StateMapper mapper,
      EventJson events) {
    this.registry = registry;
    this.engine = engine;
    this.writer = writer;
    this.mapper = mapper;
    this.events = events;
  }

  public Loaded load(SagaRow row, Instant now, TransitionWriter.KafkaOrigin origin) {
    return load(row, now, origin, writer.direct());
  }

  /** Like {@link #load(SagaRow, Instant, TransitionWriter.KafkaOrigin)}, writing into a sink. */
  public Loaded load(
      SagaRow row, Instant now, TransitionWriter.KafkaOrigin origin, TransitionWriter.Sink sink) {
    SagaState state = mapper.toState(row);
    if (state.status().isTerminal()) {
      return new Loaded(row, state, null, null);
    }
    Optional<String> parkReason =
        registry.parkReason(row.sagaType(), row.definitionVersion(), row.fingerprint());
    if (parkReason.isPresent()) {
      if (state.status() == SagaStatus.PARKED && parkReason.get().equals(state.statusReason())) {
        return new Loaded(row, state, null, null);
      }
      Transition parked = engine.park(state, parkReason.get(), now);
      if (!parked.applied()) {
        return new Loaded(row, state, null, null);
      }
      TransitionWriter.Written written =
          writer.write(row, parked, events.park(parkReason.get()), now, origin, sink);
      return new Loaded(written.row(), parked.state(), null, written);
    }
    SagaDefinition<?> def = registry.find(row.sagaType(), row.definitionVersion()).orElseThrow();
    if (state.status() == SagaStatus.PARKED) {
      Transition resumed = engine.resume(def, state, now);
      if (resumed.applied()) {
        TransitionWriter.Written written =
            writer.write(row, resumed, events.resume(), now, origin, sink);
        return new Loaded(written.row(), resumed.state(), def, written);
      }
    }
    return new Loaded(row, state, def, null);
  }
}
