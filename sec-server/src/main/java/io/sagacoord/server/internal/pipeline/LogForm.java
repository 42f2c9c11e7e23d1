package io.sagacoord.server.internal.pipeline;

import static io.sagacoord.dsl.engine.LogEntryType.SAGA_COMPLETED;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_STARTED;
import static io.sagacoord.dsl.engine.LogEntryType.STEP_SUCCEEDED;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogRow;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The stored form of the saga log. Folds the log entries of one transition into one {@code
 * saga_log} row: the first entry in the columns, the others in {@code then_entries}. One row per
 * transition instead of one per entry halves the rows of a saga (n + 1 instead of 2n + 2 for n
 * steps on the happy path) and their index entries; {@link LogUnfolding#unfold} (and, for the
 * stored form only, the view {@code saga_log_entry}) unfolds them again.
 *
 * <p>A row leaves out what it would only repeat, and {@link LogUnfolding#unfold} / {@link
 * LogUnfolding#event(LogRow)} put it back on read:
 *
 * <ul>
 *   <li>the fields of the causing event ({@code step}, {@code phase}, {@code attempt}, {@code
 *       commandId}) that equal the row's own columns;
 *   <li>the {@code commandId} of a folded {@code COMMAND_SENT} entry when it is the deterministic
 *       one ({@link Hashing#commandId}) of its saga, step, phase and attempt, its {@code phase}
 *       when it is {@code forward} and its {@code attempt} when it is 1;
 *   <li>the detail of a {@code COMMAND_SENT} entry ({@code participant}, {@code topic}, {@code
 *       commandType}) when it is what the saga's pinned definition (type, version and fingerprint
 *       of the instance) says;
 *   <li>{@code sagaType}, {@code version} and {@code fingerprint} in the detail of {@code
 *       SAGA_STARTED}: the instance's columns;
 *   <li>{@code kafka_topic} when it is the protocol's reply topic ({@link
 *       Topics#DEFAULT_REPLY_TOPIC}): a row with a Kafka partition and no topic came from it;
 *   <li>{@code command_id} of a row caused by a reply ({@code ReplyReceived}) when it is the
 *       deterministic one of the row's saga, step, phase and attempt: such a row's event has no
 *       {@code commandId} key either (a reply without a command id keeps {@code "commandId":
 *       null}); and in the reply event an empty body ({@code "bodyJson": "{}"}) and, in a {@code
 *       STEP_SUCCEEDED} row, the outcome {@code SUCCESS};
 *   <li>a detail equal to its type's default ({@link LogUnfolding#defaultDetail}): {@code {}} for
 *       most types, {@code {"reason": null}} for {@code SAGA_COMPLETED}, and for {@code
 *       SAGA_STARTED} the instance's columns with {@code "deadline": null}. The column is then null
 *       and a folded entry has no {@code detail} key; a null detail of a {@code COMMAND_SENT} comes
 *       from the definition, and {@code EVENT_APPLIED} has none;
 *   <li>the event of a {@code STEP_SUCCEEDED} row caused by a reply from Kafka when its stored form
 *       is just {@code {"type": "ReplyReceived"}} (everything else derived): the column is null.
 *       Every other row has its event ({@link LogUnfolding#storedEvent});
 *   <li>a folded {@code COMMAND_SENT} entry that would keep only its type and step (first forward
 *       attempt, deterministic command id, detail from the definition): the step name as a JSON
 *       string instead of an object ({@code ["s2"]} for {@code [{"type": "COMMAND_SENT", "step":
 *       "s2"}]});
 *   <li>the {@code phase} of a {@code STEP_SUCCEEDED} row: always {@code forward} ({@link
 *       #phase(LogRow)}).
 * </ul>
 *
 * A field is left out only when it is equal to what the reader derives, and an absent key means
 * "derive", so a field that is kept, null or not, reads as itself.
 */
final class LogForm {

  static final String REPLY_RECEIVED = "ReplyReceived";

  /** The stored form of a reply event that only repeats its row: left out of the row. */
  static final String BARE_REPLY = "{\"type\":\"ReplyReceived\"}";

  static final String EMPTY_BODY = "{}";

  static final String SUCCESS = "SUCCESS";

  static final String FORWARD = Phase.FORWARD.wireName();

  // plain maps, strings and numbers only: the defaults are enough
  static final JsonMapper JSON = JsonMapper.builder().build();

  static final JsonNode BARE_REPLY_NODE = JSON.readTree(BARE_REPLY);

  // event fields that may repeat the row's columns, by event type
  static final Map<String, List<String>> EVENT_FIELDS_FROM_COLUMNS =
      Map.of(
          "ReplyReceived", List.of("step", "phase", "attempt", "commandId"),
          "TimerFired", List.of("step", "phase", "attempt"),
          "OperatorRetryStep", List.of("step"));

  private LogForm() {}

  /**
   * What a saga's log rows are read and written against: the instance's pinned definition reference
   * and, if it is loaded with the same fingerprint, the definition itself.
   */
  record Pinned(String sagaType, int version, String fingerprint, SagaDefinition<?> definition) {

    static Pinned of(
        String sagaType, int version, String fingerprint, DefinitionRegistry registry) {
      Optional<SagaDefinition<?>> def = registry.find(sagaType, version);
      return new Pinned(
          sagaType,
          version,
          fingerprint,
          def.filter(d -> d.fingerprint().equals(fingerprint)).orElse(null));
    }

    /** The detail of a COMMAND_SENT entry as the definition determines it, or null. */
    ObjectNode commandDetail(String step, String phase) {
      if (definition == null || step == null || phase == null) {
        return null;
      }
      Optional<? extends StepDefinition<?>> sd = definition.step(step);
      if (sd.isEmpty()) {
        return null;
      }
      String commandType;
      if (Phase.FORWARD.wireName().equals(phase)) {
        commandType = sd.get().commandType();
      } else if (Phase.COMPENSATE.wireName().equals(phase)) {
        commandType = sd.get().compensationCommandType().orElse(null);
        if (commandType == null) {
          return null;
        }
      } else {
        return null;
      }
      ObjectNode node = JSON.createObjectNode();
      node.put("participant", sd.get().participant().name());
      node.put("topic", sd.get().participant().commandTopic());
      node.put("commandType", commandType);
      return node;
    }
  }

  /**
   * The default detail of a type without what the instance gives (see {@link
   * LogFolding#isDefaultDetail}).
   */
  static ObjectNode storedDefault(String type) {
    ObjectNode node = JSON.createObjectNode();
    if (SAGA_COMPLETED.stored().equals(type)) {
      node.putNull("reason");
    } else if (SAGA_STARTED.stored().equals(type)) {
      node.putNull("deadline");
    }
    return node;
  }

  /**
   * What a stored reply event without the key means: an empty body, and the outcome SUCCESS if the
   * row is a STEP_SUCCEEDED.
   */
  static Map<String, String> replyDefaults(String rowType) {
    return STEP_SUCCEEDED.stored().equals(rowType)
        ? Map.of("bodyJson", EMPTY_BODY, "outcome", SUCCESS)
        : Map.of("bodyJson", EMPTY_BODY);
  }

  /**
   * The deterministic command id of a reply row without one: its event (stored form) is a {@code
   * ReplyReceived} without a {@code commandId} key. Null for any other row.
   */
  static UUID derivedCommandId(
      UUID sagaId, String step, String phase, Integer attempt, JsonNode event) {
    if (event == null || step == null || phase == null || attempt == null) {
      return null;
    }
    if (!(event instanceof ObjectNode)
        || !REPLY_RECEIVED.equals(text(event, "type"))
        || event.has("commandId")) {
      return null;
    }
    return commandId(sagaId, step, phase, attempt);
  }

  static UUID commandId(UUID sagaId, String step, String phase, int attempt) {
    if (step == null || phase == null) {
      return null;
    }
    return Hashing.commandId(sagaId, step, Phase.fromWire(phase).name(), attempt);
  }

  /** A column's value in the form the event holds it, as text (null when the column is null). */
  static String columnValue(
      String field, String step, String phase, Integer attempt, UUID commandId) {
    return switch (field) {
      case "step" -> step;
      case "phase" -> phase;
      case "attempt" -> attempt == null ? null : attempt.toString();
      case "commandId" -> commandId == null ? null : commandId.toString();
      default -> null;
    };
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isString() ? "" : v.asString();
  }

  static String textOrNull(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }
}
