package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.server.internal.persistence.SagaRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Converts between the engine's {@link SagaState} and a {@code saga_instance} row. Steps are stored
 * as a JSON array (jsonb keeps array order but not object key order), so definition order survives.
 *
 * <p>Since V60 a step's {@code startedAt} and {@code finishedAt} are stored as whole microseconds
 * after the saga's {@code created_at} under the keys {@code s} and {@code f} (about 45 bytes less
 * per step than two ISO-8601 strings under their long keys). Rows written before, and an instant
 * that is not a whole microsecond, keep the ISO-8601 string under {@code startedAt} / {@code
 * finishedAt}.
 *
 * <p>Since V70 the forward and compensation attempts are stored under {@code a} and {@code c}
 * instead of {@code forwardAttempt} and {@code compensationAttempt}, and a step with an {@code a}
 * leaves out its start time when it started as the step before it finished (the first step: when
 * the saga was created), which is how a step after the first one starts. A step object with an
 * {@code a} and no start key has this derived start; rows written before never have an {@code a}.
 * {@link #toState} and {@link #fullSteps} read every form.
 */
@Component
public class StateMapper {

  private static final TypeReference<List<StepState>> STEPS = new TypeReference<>() {};

  // {ISO-8601 key (before V60), offset key (microseconds after created_at, since V60)}
  private static final String[] STARTED = {"startedAt", "s"};
  private static final String[] FINISHED = {"finishedAt", "f"};
  // {long key (before V70), short key (since V70)}
  private static final String[] FORWARD_ATTEMPT = {"forwardAttempt", "a"};
  private static final String[] COMPENSATION_ATTEMPT = {"compensationAttempt", "c"};

  private final ObjectMapper json;
  // counters left out of the JSON (zero) are read back as 0
  private final ObjectReader stepsReader;

  public StateMapper(ObjectMapper json) {
    this.json = json;
    this.stepsReader =
        json.readerFor(STEPS).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  }

  public SagaState toState(SagaRow row) {
    List<StepState> list =
        stepsReader.readValue(fullSteps(json.readTree(row.stepsJson()), row.createdAt()));
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
   * its bytes. The start time is left out where {@link #fullSteps} derives it (see the class).
   */
  public String stepsJson(SagaState state) {
    ArrayNode array = json.createArrayNode();
    // what a left-out start time of the next step is: the finish of this one
    Instant previousFinish = state.createdAt();
    for (StepState s : state.steps().values()) {
      ObjectNode node = array.addObject();
      node.put("step", s.step());
      node.put("status", s.status().name());
      putIfNotZero(node, FORWARD_ATTEMPT[1], s.forwardAttempt());
      putIfNotZero(node, COMPENSATION_ATTEMPT[1], s.compensationAttempt());
      if (s.commandId() != null) {
        node.put("commandId", s.commandId().toString());
      }
      if (s.forwardAttempt() == 0) {
        putTime(node, STARTED, s.startedAt(), state.createdAt());
      } else if (s.startedAt() == null) {
        // "a" without a start key would read as the derived start
        node.putNull(STARTED[1]);
      } else if (!s.startedAt().equals(previousFinish)) {
        putTime(node, STARTED, s.startedAt(), state.createdAt());
      }
      putTime(node, FINISHED, s.finishedAt(), state.createdAt());
      if (s.lastError() != null) {
        node.put("lastError", s.lastError());
      }
      putIfNotZero(node, "forwardAttemptBase", s.forwardAttemptBase());
      putIfNotZero(node, "compensationAttemptBase", s.compensationAttemptBase());
      previousFinish = s.finishedAt();
    }
    return json.writeValueAsString(array);
  }

  /** A step time as stored: the offset key when it is exact, else the ISO-8601 key. */
  private static void putTime(ObjectNode node, String[] keys, Instant time, Instant createdAt) {
    if (time == null) {
      return;
    }
    if (wholeMicros(time) && createdAt != null && wholeMicros(createdAt)) {
      node.put(keys[1], ChronoUnit.MICROS.between(createdAt, time));
    } else {
      node.put(keys[0], time.toString());
    }
  }

  private static boolean wholeMicros(Instant t) {
    return t.getNano() % 1_000 == 0;
  }

  /**
   * The steps JSON as it was before V60, whichever form it is stored in: each offset key ({@code
   * s}, {@code f}) replaced by its ISO-8601 key ({@code startedAt}, {@code finishedAt}), a start
   * time left out (V70) put back, and the attempt keys {@code a} and {@code c} (V70) replaced by
   * {@code forwardAttempt} and {@code compensationAttempt}. Changes {@code steps} in place and
   * returns it. What the REST API and {@code SagaCoordinator.find} show.
   *
   * @param createdAt the saga's {@code created_at}, what the offsets count from
   */
  public static JsonNode fullSteps(JsonNode steps, Instant createdAt) {
    String previousFinish = createdAt == null ? null : createdAt.toString();
    for (JsonNode step : steps) {
      if (step instanceof ObjectNode node) {
        boolean derivedStart =
            node.has(FORWARD_ATTEMPT[1]) && !node.has(STARTED[0]) && !node.has(STARTED[1]);
        for (String[] keys : List.of(STARTED, FINISHED)) {
          JsonNode offset = node.remove(keys[1]);
          if (offset != null && offset.isIntegralNumber()) {
            node.put(keys[0], createdAt.plus(offset.asLong(), ChronoUnit.MICROS).toString());
          }
        }
        if (derivedStart && previousFinish != null) {
          node.put(STARTED[0], previousFinish);
        }
        for (String[] keys : List.of(FORWARD_ATTEMPT, COMPENSATION_ATTEMPT)) {
          JsonNode attempt = node.remove(keys[1]);
          if (attempt != null) {
            node.set(keys[0], attempt);
          }
        }
        JsonNode finished = node.get(FINISHED[0]);
        previousFinish = finished == null || finished.isNull() ? null : finished.asString();
      } else {
        previousFinish = null;
      }
    }
    return steps;
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
