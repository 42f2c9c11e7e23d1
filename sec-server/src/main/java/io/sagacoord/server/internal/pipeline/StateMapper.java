package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import io.sagacoord.server.internal.storage.SagaRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
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
 * as a JSON array in definition order (jsonb keeps array order but not object key order; the engine
 * keeps every step of the definition, skipped ones included). A saga row is written on every step,
 * so an element stores only what the saga's pinned definition (its type and version, loaded with
 * its fingerprint) and the most common values do not say:
 *
 * <ul>
 *   <li>a step not reached yet ({@code PENDING} and nothing else) is {@code null};
 *   <li>a step that succeeded on its first attempt with nothing else to say (no compensation
 *       attempt, command id, error or attempt base), started when the step before it finished (the
 *       first step: when the saga was created) and finished at a whole microsecond is the bare
 *       number of its finish offset;
 *   <li>any other step is an object. Its {@code step} name is left out when it is the name of the
 *       definition's step at the same position and the step is not in one of the statuses that SQL
 *       looks up by name ({@link SagaQueryDao#CURRENT_STEP_STATUSES}: the list filtered by step,
 *       the current steps of the list, the stuck-saga scan). Its {@code status} is left out when it
 *       is {@code SUCCEEDED}; the other settled statuses, which SQL never reads, are one-letter
 *       codes ({@link #CODES}); the current ones are in full. {@code a} and {@code c} hold the
 *       forward and compensation attempts, {@code s} and {@code f} the start and finish as whole
 *       microseconds after the saga's {@code created_at}; an instant that is not a whole
 *       microsecond is an ISO-8601 string under {@code startedAt} / {@code finishedAt}. A step with
 *       an {@code a} and no start key started when the step before it finished. Null fields and
 *       zero counters are left out.
 * </ul>
 *
 * A step whose name is left out and whose definition is not loaded (with the saga's fingerprint) is
 * read with the stand-in name {@code #<position from 1>}, which no step name can be (they start
 * with a letter or digit), and a stand-in name at its own position is left out again when written:
 * such a saga is read, parked (see {@link SagaLoader}) and written back without losing a name, and
 * the API shows the stand-in.
 */
@Component
public class StateMapper {

  private static final TypeReference<List<StepState>> STEPS = new TypeReference<>() {};

  // {field of StepState (and key of an ISO-8601 time), stored key}; a stored time is the whole
  // microseconds after created_at
  private static final String[] STARTED = {"startedAt", "s"};
  private static final String[] FINISHED = {"finishedAt", "f"};
  private static final String[] FORWARD_ATTEMPT = {"forwardAttempt", "a"};
  private static final String[] COMPENSATION_ATTEMPT = {"compensationAttempt", "c"};

  /**
   * The stored code of a settled step status other than SUCCEEDED (which is left out). The statuses
   * SQL compares ({@link SagaQueryDao#CURRENT_STEP_STATUSES}) are stored in full.
   */
  private static final Map<StepStatus, String> CODES =
      Map.of(
          StepStatus.PENDING, "P",
          StepStatus.SKIPPED, "K",
          StepStatus.TIMED_OUT, "T",
          StepStatus.FAILED, "F",
          StepStatus.COMPENSATED, "C");

  private static final Map<String, String> STATUS_BY_CODE =
      CODES.entrySet().stream()
          .collect(Collectors.toUnmodifiableMap(Map.Entry::getValue, e -> e.getKey().name()));

  private final ObjectMapper json;
  private final DefinitionRegistry registry;
  // counters left out of the JSON (zero) are read back as 0
  private final ObjectReader stepsReader;

  @Autowired
  public StateMapper(ObjectMapper json, DefinitionRegistry registry) {
    this.json = json;
    this.registry = registry;
    this.stepsReader =
        json.readerFor(STEPS).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  }

  /** Without any definition: every step name is written (and read from the JSON). */
  public StateMapper(ObjectMapper json) {
    this(json, new DefinitionRegistry(List.of()));
  }

  public SagaState toState(SagaRow row) {
    List<StepState> list =
        stepsReader.readValue(
            fullSteps(
                json.readTree(row.stepsJson()),
                row.createdAt(),
                stepNames(registry, row.sagaType(), row.definitionVersion(), row.fingerprint())));
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
   * The step names of a saga's pinned definition in definition order, or null when that version is
   * not loaded or is loaded with another fingerprint.
   */
  static List<String> stepNames(
      DefinitionRegistry registry, String sagaType, int version, String fingerprint) {
    return registry
        .find(sagaType, version)
        .filter(d -> d.fingerprint().equals(fingerprint))
        .map(d -> d.steps().stream().map(StepDefinition::name).toList())
        .orElse(null);
  }

  /** The name a step at {@code index} has when its {@code step} key is left out. */
  static String derivedName(List<String> names, int index) {
    return names != null && index < names.size() ? names.get(index) : "#" + (index + 1);
  }

  /**
   * The steps as a JSON array. Null fields and zero counters are left out (reading gives them back
   * as null and 0): a saga row is written on every step, and the defaults were half of its bytes.
   * The start time is left out where {@link #fullSteps} derives it, and so is what the pinned
   * definition says and the default status (see the class).
   */
  public String stepsJson(SagaState state) {
    List<String> names =
        stepNames(registry, state.sagaType(), state.definitionVersion(), state.fingerprint());
    ArrayNode array = json.createArrayNode();
    // what a left-out start time of the next step is: the finish of this one
    Instant previousFinish = state.createdAt();
    int index = 0;
    for (StepState s : state.steps().values()) {
      boolean nameDerived = s.step().equals(derivedName(names, index++));
      Long finish = offset(s.finishedAt(), state.createdAt());
      if (nameDerived
          && finish != null
          && firstTimeSuccess(s)
          && s.startedAt().equals(previousFinish)) {
        array.add(finish);
        previousFinish = s.finishedAt();
        continue;
      }
      if (nameDerived && s.equals(StepState.pending(s.step()))) {
        array.addNull();
        previousFinish = null;
        continue;
      }
      ObjectNode node = array.addObject();
      boolean current = SagaQueryDao.CURRENT_STEP_STATUSES.contains(s.status().name());
      if (!nameDerived || current) {
        node.put("step", s.step());
      }
      if (s.status() != StepStatus.SUCCEEDED) {
        node.put("status", CODES.getOrDefault(s.status(), s.status().name()));
      }
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

  /** SUCCEEDED on the first forward attempt with a start and nothing else to store. */
  private static boolean firstTimeSuccess(StepState s) {
    return s.status() == StepStatus.SUCCEEDED
        && s.forwardAttempt() == 1
        && s.compensationAttempt() == 0
        && s.commandId() == null
        && s.startedAt() != null
        && s.lastError() == null
        && s.forwardAttemptBase() == 0
        && s.compensationAttemptBase() == 0;
  }

  /** A step time as stored: the offset key when it is exact, else the ISO-8601 key. */
  private static void putTime(ObjectNode node, String[] keys, Instant time, Instant createdAt) {
    if (time == null) {
      return;
    }
    Long offset = offset(time, createdAt);
    if (offset != null) {
      node.put(keys[1], offset);
    } else {
      node.put(keys[0], time.toString());
    }
  }

  /** Whole microseconds from {@code createdAt} to {@code time}, null when that is not exact. */
  private static Long offset(Instant time, Instant createdAt) {
    if (time == null || createdAt == null || !wholeMicros(time) || !wholeMicros(createdAt)) {
      return null;
    }
    return ChronoUnit.MICROS.between(createdAt, time);
  }

  private static boolean wholeMicros(Instant t) {
    return t.getNano() % 1_000 == 0;
  }

  /**
   * The steps of a row as the REST API and {@code SagaCoordinator.find} show them: {@link
   * #fullSteps(JsonNode, Instant, List)} with the names of the row's pinned definition.
   */
  public static JsonNode fullSteps(JsonNode steps, SagaRow row, DefinitionRegistry registry) {
    return fullSteps(
        steps,
        row.createdAt(),
        stepNames(registry, row.sagaType(), row.definitionVersion(), row.fingerprint()));
  }

  /**
   * The stored steps in full: every step an object with its {@code step} name and {@code status}
   * first, then the fields of {@link StepState} by their names, times as ISO-8601 strings, and what
   * the stored form leaves out put back. Changes {@code steps} in place and returns it.
   *
   * @param createdAt the saga's {@code created_at}, what the offsets count from
   * @param names the step names of the saga's pinned definition, null when it is not loaded
   */
  public static JsonNode fullSteps(JsonNode steps, Instant createdAt, List<String> names) {
    if (!(steps instanceof ArrayNode array)) {
      return steps;
    }
    String previousFinish = createdAt == null ? null : createdAt.toString();
    for (int i = 0; i < array.size(); i++) {
      JsonNode step = array.get(i);
      if (step.isIntegralNumber()) {
        // succeeded on the first attempt, started when the step before finished
        ObjectNode node = array.objectNode();
        node.put("step", derivedName(names, i));
        node.put("status", StepStatus.SUCCEEDED.name());
        node.put(FORWARD_ATTEMPT[0], 1);
        node.put(STARTED[0], previousFinish);
        String finished = createdAt.plus(step.asLong(), ChronoUnit.MICROS).toString();
        node.put(FINISHED[0], finished);
        array.set(i, node);
        previousFinish = finished;
      } else if (step.isNull()) {
        // not reached yet
        ObjectNode node = array.objectNode();
        node.put("step", derivedName(names, i));
        node.put("status", StepStatus.PENDING.name());
        array.set(i, node);
        previousFinish = null;
      } else if (step instanceof ObjectNode stored) {
        // "step" and "status" first
        ObjectNode node = array.objectNode();
        JsonNode name = stored.remove("step");
        node.put("step", name == null ? derivedName(names, i) : name.asString());
        JsonNode status = stored.remove("status");
        String statusName = status == null ? StepStatus.SUCCEEDED.name() : status.asString(null);
        node.put("status", STATUS_BY_CODE.getOrDefault(statusName, statusName));
        node.setAll(stored);
        array.set(i, node);
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
