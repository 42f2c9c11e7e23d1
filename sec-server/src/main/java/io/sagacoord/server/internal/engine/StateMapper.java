package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.server.internal.persistence.SagaRow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Converts between the engine's {@link SagaState} and a {@code saga_instance} row. Steps are stored
 * as a JSON array (jsonb keeps array order but not object key order), so definition order survives.
 */
@Component
public class StateMapper {

  private static final TypeReference<List<StepState>> STEPS = new TypeReference<>() {};

  private final ObjectMapper json;
  // counters left out of the JSON (zero) are read back as 0
  private final ObjectReader stepsReader;

  public StateMapper(ObjectMapper json) {
    this.json = json;
    this.stepsReader =
        json.readerFor(STEPS).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  }

  public SagaState toState(SagaRow row) {
    List<StepState> list = stepsReader.readValue(row.stepsJson());
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

  /**
   * The steps as a JSON array of objects. Null fields and zero counters are left out (reading gives
   * them back as null and 0): a saga row is written on every step, and the defaults were half of
   * its bytes.
   */
  public String stepsJson(SagaState state) {
    ArrayNode array = json.createArrayNode();
    for (StepState s : state.steps().values()) {
      ObjectNode node = array.addObject();
      node.put("step", s.step());
      node.put("status", s.status().name());
      putIfNotZero(node, "forwardAttempt", s.forwardAttempt());
      putIfNotZero(node, "compensationAttempt", s.compensationAttempt());
      if (s.commandId() != null) {
        node.put("commandId", s.commandId().toString());
      }
      if (s.startedAt() != null) {
        node.put("startedAt", s.startedAt().toString());
      }
      if (s.finishedAt() != null) {
        node.put("finishedAt", s.finishedAt().toString());
      }
      if (s.lastError() != null) {
        node.put("lastError", s.lastError());
      }
      putIfNotZero(node, "forwardAttemptBase", s.forwardAttemptBase());
      putIfNotZero(node, "compensationAttemptBase", s.compensationAttemptBase());
    }
    return json.writeValueAsString(array);
  }

  private static void putIfNotZero(ObjectNode node, String field, int value) {
    if (value != 0) {
      node.put(field, value);
    }
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
