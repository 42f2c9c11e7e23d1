package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.server.internal.persistence.SagaRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Converts between the engine's {@link SagaState} and a {@code saga_instance} row. Steps are stored
 * as a JSON array (jsonb keeps array order but not object key order), so definition order survives.
 */
@Component
public class StateMapper {

  private static final TypeReference<List<StepState>> STEPS = new TypeReference<>() {};

  private final ObjectMapper json;

  public StateMapper(ObjectMapper json) {
    this.json = json;
  }

  public SagaState toState(SagaRow row) {
    List<StepState> list = json.readValue(row.stepsJson(), STEPS);
    Map<String, StepState> steps = new LinkedHashMap<>();
    list.forEach(s -> steps.put(s.step(), s));
    return new SagaState(
        row.id(),
        row.sagaType(),
        row.definitionVersion(),
        row.fingerprint(),
        SagaStatus.valueOf(row.status()),
        row.statusReason(),
        row.dataJson(),
        steps,
        row.deadline(),
        row.createdAt(),
        row.updatedAt(),
        row.previousStatus() == null ? null : SagaStatus.valueOf(row.previousStatus()));
  }

  public String stepsJson(SagaState state) {
    return json.writeValueAsString(new ArrayList<>(state.steps().values()));
  }

  /** The row for a state; {@code lastSeq} is the sequence number of its newest log row. */
  public SagaRow toRow(SagaState state, String businessKey, int lastSeq) {
    return new SagaRow(
        state.sagaId(),
        state.sagaType(),
        state.definitionVersion(),
        state.fingerprint(),
        state.status().name(),
        state.statusReason(),
        state.previousStatus() == null ? null : state.previousStatus().name(),
        state.dataJson(),
        stepsJson(state),
        state.deadline(),
        businessKey,
        state.createdAt(),
        state.updatedAt(),
        lastSeq);
  }
}
