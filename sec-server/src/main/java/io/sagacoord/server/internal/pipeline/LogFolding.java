package io.sagacoord.server.internal.pipeline;

import static io.sagacoord.dsl.engine.LogEntryType.COMMAND_SENT;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_COMPLETED;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_STARTED;
import static io.sagacoord.dsl.engine.LogEntryType.STEP_SUCCEEDED;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.LogEntryType;
import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * The stored form of the saga log. Folds the log entries of one transition into one {@code
 * saga_log} row: the first entry in the columns, the others in {@code then_entries}. One row per
 * transition instead of one per entry halves the rows of a saga (n + 1 instead of 2n + 2 for n
 * steps on the happy path) and their index entries; {@link #unfold} (and, for the stored form only,
 * the view {@code saga_log_entry}) unfolds them again.
 *
 * <p>A row leaves out what it would only repeat, and {@link #unfold} / {@link #event} put it back
 * on read:
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
 *   <li>a detail equal to its type's default ({@link #defaultDetail}): {@code {}} for most types,
 *       {@code {"reason": null}} for {@code SAGA_COMPLETED}, and for {@code SAGA_STARTED} the
 *       instance's columns with {@code "deadline": null}. The column is then null and a folded
 *       entry has no {@code detail} key; a null detail of a {@code COMMAND_SENT} comes from the
 *       definition, and {@code EVENT_APPLIED} has none;
 *   <li>the event of a {@code STEP_SUCCEEDED} row caused by a reply from Kafka when its stored form
 *       is just {@code {"type": "ReplyReceived"}} (everything else derived): the column is null.
 *       Every other row has its event ({@link #storedEvent});
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
final class LogFolding {

  /** Logged for a transition whose engine log is empty: the event still changed the state. */
  static final LogEntry EVENT_APPLIED =
      new LogEntry(LogEntryType.EVENT_APPLIED.stored(), null, null, 0, null, null);

  private static final String REPLY_RECEIVED = "ReplyReceived";

  /** The stored form of a reply event that only repeats its row: left out of the row. */
  private static final String BARE_REPLY = "{\"type\":\"ReplyReceived\"}";

  private static final String EMPTY_BODY = "{}";
  private static final String SUCCESS = "SUCCESS";
  private static final String FORWARD = Phase.FORWARD.wireName();

  // plain maps, strings and numbers only: the defaults are enough
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final JsonNode BARE_REPLY_NODE = JSON.readTree(BARE_REPLY);

  // event fields that may repeat the row's columns, by event type
  private static final Map<String, List<String>> EVENT_FIELDS_FROM_COLUMNS =
      Map.of(
          "ReplyReceived", List.of("step", "phase", "attempt", "commandId"),
          "TimerFired", List.of("step", "phase", "attempt"),
          "OperatorRetryStep", List.of("step"));

  private LogFolding() {}

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
   * The one row of a transition. {@code entries} is the engine's log of it (an empty log becomes
   * {@link #EVENT_APPLIED}); {@code eventJson} the event that caused it.
   */
  static LogRow row(
      UUID sagaId,
      int seq,
      List<LogEntry> entries,
      String eventJson,
      Instant now,
      String handledBy,
      TransitionWriter.KafkaOrigin origin,
      Pinned pinned) {
    LogEntry first = entries.isEmpty() ? EVENT_APPLIED : entries.get(0);
    String phase = first.phase() == null ? null : first.phase().wireName();
    Integer attempt = first.attempt() == 0 ? null : first.attempt();
    String detail = compactDetail(first.type(), first.step(), phase, first.detailJson(), pinned);
    CompactEvent event =
        compactEvent(eventJson, first.type(), first.step(), phase, attempt, first.commandId());
    UUID commandId = first.commandId();
    // left out only when the reader derives the same from what the row keeps (see commandId(row))
    if (commandId != null
        && commandId.equals(derivedCommandId(sagaId, first.step(), phase, attempt, event.node()))) {
      commandId = null;
    }
    if (isDefaultDetail(first.type(), detail)) {
      detail = null;
    }
    String storedEvent = event.json();
    // a reply event that only repeats its row; the reader knows it by the row's type and Kafka
    // origin (see storedEvent)
    if (origin != null
        && STEP_SUCCEEDED.stored().equals(first.type())
        && event.node() != null
        && event.node().equals(BARE_REPLY_NODE)) {
      storedEvent = null;
    }
    return new LogRow(
        sagaId,
        seq,
        first.type(),
        first.step(),
        forwardSuccess(first.type(), first.step(), phase) ? null : phase,
        attempt,
        commandId,
        detail,
        entries.size() > 1 ? thenJson(sagaId, entries.subList(1, entries.size()), pinned) : null,
        storedEvent,
        now,
        handledBy,
        origin == null || origin.topic().equals(Topics.DEFAULT_REPLY_TOPIC) ? null : origin.topic(),
        origin == null ? null : origin.partition(),
        origin == null ? null : origin.offset());
  }

  /** The entries after the first, as the JSON array stored in {@code then_entries}. */
  static String thenJson(UUID sagaId, List<LogEntry> following, Pinned pinned) {
    ArrayNode list = JSON.createArrayNode();
    for (LogEntry e : following) {
      // the same fields as the columns; what the columns would hold as null is left out
      ObjectNode m = list.addObject();
      m.put("type", e.type());
      String phase = e.phase() == null ? null : e.phase().wireName();
      if (e.step() != null) {
        m.put("step", e.step());
      }
      boolean command = COMMAND_SENT.stored().equals(e.type());
      // a folded COMMAND_SENT without phase is a forward one, without attempt the first attempt
      if (phase != null && !(command && phase.equals(FORWARD))) {
        m.put("phase", phase);
      }
      if (e.attempt() != 0 && !(command && e.attempt() == 1)) {
        m.put("attempt", e.attempt());
      }
      if (e.commandId() != null
          && !(COMMAND_SENT.stored().equals(e.type())
              && e.commandId().equals(commandId(sagaId, e.step(), phase, e.attempt())))) {
        m.put("commandId", e.commandId().toString());
      }
      String detail = compactDetail(e.type(), e.step(), phase, e.detailJson(), pinned);
      // a default detail is left out too (not the start's, which never comes after another entry
      // and whose default needs the instance)
      boolean leftOut =
          !SAGA_STARTED.stored().equals(e.type()) && isDefaultDetail(e.type(), detail);
      if (detail != null && !leftOut) {
        // already JSON: written as is, not parsed again
        m.putRawValue("detail", new RawValue(detail));
      }
      if (m.size() == 2 && command && m.has("step")) {
        // only the step is left: the step name stands for the whole entry
        list.remove(list.size() - 1);
        list.add(e.step());
      }
    }
    return list.toString();
  }

  /** The detail as stored: null when it is all derived (or was null). */
  private static String compactDetail(
      String type, String step, String phase, String detailJson, Pinned pinned) {
    if (detailJson == null
        || !(COMMAND_SENT.stored().equals(type) || SAGA_STARTED.stored().equals(type))
        || !(JSON.readTree(detailJson) instanceof ObjectNode node)) {
      return detailJson;
    }
    if (COMMAND_SENT.stored().equals(type)) {
      return node.equals(pinned.commandDetail(step, phase)) ? null : detailJson;
    }
    if (SAGA_STARTED.stored().equals(type)
        && text(node, "sagaType").equals(pinned.sagaType())
        && node.path("version").isInt()
        && node.get("version").asInt() == pinned.version()
        && text(node, "fingerprint").equals(pinned.fingerprint())) {
      node.remove("sagaType");
      node.remove("version");
      node.remove("fingerprint");
      return node.toString();
    }
    return detailJson;
  }

  /**
   * Whether a detail (as compacted) is its type's default, which a row leaves out: {@code {}},
   * {@code {"reason": null}} for {@code SAGA_COMPLETED}, {@code {"deadline": null}} for {@code
   * SAGA_STARTED} (the rest of its default is the instance's and already left out). Never for a
   * {@code COMMAND_SENT} (null already means "from the definition") or {@code EVENT_APPLIED}.
   */
  private static boolean isDefaultDetail(String type, String detailJson) {
    if (detailJson == null
        || detailJson.length() > 32 // every default is shorter: no parse of a long detail
        || COMMAND_SENT.stored().equals(type)
        || EVENT_APPLIED.type().equals(type)) {
      return false;
    }
    if ("{}".equals(detailJson)) {
      // the common case, a STEP_SUCCEEDED's {}: no parse
      return !SAGA_COMPLETED.stored().equals(type) && !SAGA_STARTED.stored().equals(type);
    }
    JsonNode node = JSON.readTree(detailJson);
    return node instanceof ObjectNode o && o.equals(storedDefault(type));
  }

  /**
   * The default detail of a type without what the instance gives (see {@link #isDefaultDetail}).
   */
  private static ObjectNode storedDefault(String type) {
    ObjectNode node = JSON.createObjectNode();
    if (SAGA_COMPLETED.stored().equals(type)) {
      node.putNull("reason");
    } else if (SAGA_STARTED.stored().equals(type)) {
      node.putNull("deadline");
    }
    return node;
  }

  /**
   * What a null detail column, or a folded entry without a {@code detail} key, means: the detail
   * from the pinned definition for a {@code COMMAND_SENT} (null if it is not loaded), null for
   * {@code EVENT_APPLIED}, the instance's type, version and fingerprint with no deadline for {@code
   * SAGA_STARTED}, and otherwise the stored default of {@link #isDefaultDetail}.
   */
  private static String defaultDetail(String type, String step, String phase, Pinned pinned) {
    if (COMMAND_SENT.stored().equals(type)) {
      ObjectNode derived = pinned.commandDetail(step, phase);
      return derived == null ? null : derived.toString();
    }
    if (EVENT_APPLIED.type().equals(type) || type == null) {
      return null;
    }
    if (SAGA_STARTED.stored().equals(type)) {
      return startDetail(storedDefault(type), pinned);
    }
    return storedDefault(type).toString();
  }

  /** The detail of SAGA_STARTED: the instance's type, version and fingerprint, then the rest. */
  private static String startDetail(ObjectNode stored, Pinned pinned) {
    ObjectNode full = JSON.createObjectNode();
    full.put("sagaType", pinned.sagaType());
    full.put("version", pinned.version());
    full.put("fingerprint", pinned.fingerprint());
    full.setAll(stored);
    return full.toString();
  }

  /**
   * The causing event as stored: without the fields that equal the row's columns, a reply's empty
   * body and the outcome SUCCESS of a reply whose row is a STEP_SUCCEEDED.
   */
  private static CompactEvent compactEvent(
      String eventJson, String type, String step, String phase, Integer attempt, UUID commandId) {
    if (eventJson == null) {
      return new CompactEvent(null, null);
    }
    JsonNode event = JSON.readTree(eventJson);
    List<String> fields =
        event instanceof ObjectNode ? EVENT_FIELDS_FROM_COLUMNS.get(text(event, "type")) : null;
    if (fields == null) {
      return new CompactEvent(eventJson, event);
    }
    ObjectNode node = (ObjectNode) event;
    boolean changed = false;
    for (String field : fields) {
      String column = columnValue(field, step, phase, attempt, commandId);
      JsonNode value = node.get(field);
      if (column != null
          && value != null
          && !value.isNull()
          && column.equals(eventValue(field, value))) {
        node.remove(field);
        changed = true;
      }
    }
    if (REPLY_RECEIVED.equals(text(node, "type"))) {
      for (Map.Entry<String, String> d : replyDefaults(type).entrySet()) {
        JsonNode value = node.get(d.getKey());
        if (value != null && value.isString() && value.asString().equals(d.getValue())) {
          node.remove(d.getKey());
          changed = true;
        }
      }
    }
    return new CompactEvent(changed ? node.toString() : eventJson, node);
  }

  /** The causing event as stored ({@code json}) and parsed ({@code node}); both null for none. */
  private record CompactEvent(String json, JsonNode node) {}

  /**
   * What a stored reply event without the key means: an empty body, and the outcome SUCCESS if the
   * row is a STEP_SUCCEEDED.
   */
  private static Map<String, String> replyDefaults(String rowType) {
    return STEP_SUCCEEDED.stored().equals(rowType)
        ? Map.of("bodyJson", EMPTY_BODY, "outcome", SUCCESS)
        : Map.of("bodyJson", EMPTY_BODY);
  }

  // ---- reading

  /** The causing event of a row as the engine wrote it (fields left out put back), or null. */
  static String event(LogRow row) {
    return event(
        storedEvent(row), row.type(), row.step(), phase(row), row.attempt(), commandId(row));
  }

  /**
   * The row's phase: its column, or {@code forward} for a {@code STEP_SUCCEEDED} of a step, which
   * leaves it out (the engine logs a success of a forward reply only; a compensation's is {@code
   * STEP_COMPENSATED}).
   */
  static String phase(LogRow row) {
    return row.phase() == null && STEP_SUCCEEDED.stored().equals(row.type()) && row.step() != null
        ? FORWARD
        : row.phase();
  }

  /** Whether a row's phase is the one {@link #phase(LogRow)} derives. */
  private static boolean forwardSuccess(String type, String step, String phase) {
    return STEP_SUCCEEDED.stored().equals(type) && step != null && FORWARD.equals(phase);
  }

  /**
   * The causing event of a row in its stored form: its column, or for a {@code STEP_SUCCEEDED} row
   * with a Kafka origin and no event the bare reply event that the columns complete.
   */
  private static String storedEvent(LogRow row) {
    if (row.eventJson() == null
        && STEP_SUCCEEDED.stored().equals(row.type())
        && row.kafkaPartition() != null) {
      return BARE_REPLY;
    }
    return row.eventJson();
  }

  /**
   * The row's command id: its column, or for a reply row that left it out the deterministic one.
   */
  static UUID commandId(LogRow row) {
    if (row.commandId() != null) {
      return row.commandId();
    }
    String event = storedEvent(row);
    return event == null
        ? null
        : derivedCommandId(
            row.sagaId(), row.step(), phase(row), row.attempt(), JSON.readTree(event));
  }

  /**
   * The deterministic command id of a reply row without one: its event (stored form) is a {@code
   * ReplyReceived} without a {@code commandId} key. Null for any other row.
   */
  private static UUID derivedCommandId(
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

  private static String event(
      String eventJson, String type, String step, String phase, Integer attempt, UUID commandId) {
    if (eventJson == null) {
      return null;
    }
    JsonNode event = JSON.readTree(eventJson);
    List<String> fields =
        event instanceof ObjectNode ? EVENT_FIELDS_FROM_COLUMNS.get(text(event, "type")) : null;
    boolean reply = REPLY_RECEIVED.equals(text(event, "type"));
    if (fields == null
        || (fields.stream().allMatch(event::has)
            && (!reply || (event.has("outcome") && event.has("bodyJson"))))) {
      return eventJson;
    }
    // the engine's order: type, then the fields, then the rest
    ObjectNode full = JSON.createObjectNode();
    full.set("type", event.get("type"));
    for (String field : fields) {
      if (event.has(field)) {
        full.set(field, event.get(field));
      } else {
        String column = columnValue(field, step, phase, attempt, commandId);
        if (column == null) {
          throw new IllegalStateException(
              "log row without " + field + " for its event " + eventJson);
        }
        switch (field) {
          case "phase" -> full.put(field, column);
          case "attempt" -> full.put(field, attempt.intValue());
          default -> full.put(field, column);
        }
      }
    }
    if (reply) {
      Map<String, String> defaults = replyDefaults(type);
      for (String field : List.of("outcome", "bodyJson")) {
        if (event.has(field)) {
          full.set(field, event.get(field));
        } else if (defaults.containsKey(field)) {
          full.put(field, defaults.get(field));
        } else {
          throw new IllegalStateException(
              "log row without " + field + " for its event " + eventJson);
        }
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = event.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!full.has(e.getKey())) {
        full.set(e.getKey(), e.getValue());
      }
    }
    return full.toString();
  }

  /**
   * The log entries of a row, in order, as the engine made them: what the row leaves out is derived
   * from the saga and its pinned definition. The detail of a {@code COMMAND_SENT} entry whose
   * definition is not loaded (with the saga's fingerprint) stays null.
   */
  static List<LogEntryRow> unfold(LogRow row, Pinned pinned) {
    List<LogEntryRow> entries = new ArrayList<>();
    entries.add(
        new LogEntryRow(
            row.sagaId(),
            row.seq(),
            0,
            row.type(),
            row.step(),
            phase(row),
            row.attempt(),
            commandId(row),
            fullDetail(row.type(), row.step(), phase(row), row.detailJson(), pinned),
            event(row),
            row.occurredAt(),
            row.handledBy(),
            kafkaTopic(row),
            row.kafkaPartition(),
            row.kafkaOffset()));
    if (row.thenJson() == null) {
      return entries;
    }
    int n = 0;
    for (JsonNode stored : JSON.readTree(row.thenJson())) {
      JsonNode e = stored;
      if (stored.isString()) {
        // a step name alone is that step's COMMAND_SENT with everything else derived
        ObjectNode command = JSON.createObjectNode();
        command.put("type", COMMAND_SENT.stored());
        command.put("step", stored.asString());
        e = command;
      }
      String type = text(e, "type");
      String step = textOrNull(e, "step");
      String phase = textOrNull(e, "phase");
      Integer attempt = e.hasNonNull("attempt") ? e.get("attempt").asInt() : null;
      if (COMMAND_SENT.stored().equals(type)) {
        // left out: a forward one, the first attempt
        phase = e.has("phase") ? phase : FORWARD;
        attempt = e.has("attempt") ? attempt : Integer.valueOf(1);
      }
      UUID commandId = null;
      if (e.hasNonNull("commandId")) {
        commandId = UUID.fromString(e.get("commandId").asString());
      } else if (COMMAND_SENT.stored().equals(type)
          && !e.has("commandId")
          && step != null
          && phase != null) {
        commandId = commandId(row.sagaId(), step, phase, attempt == null ? 0 : attempt);
      }
      String detail =
          fullDetail(
              type, step, phase, e.has("detail") ? e.get("detail").toString() : null, pinned);
      entries.add(
          new LogEntryRow(
              row.sagaId(),
              row.seq(),
              ++n,
              type,
              step,
              phase,
              attempt,
              commandId,
              detail,
              null,
              row.occurredAt(),
              row.handledBy(),
              kafkaTopic(row),
              row.kafkaPartition(),
              row.kafkaOffset()));
    }
    return entries;
  }

  /** The Kafka topic of the reply that caused the row; a row leaves out the default one. */
  static String kafkaTopic(LogRow row) {
    if (row.kafkaTopic() == null && row.kafkaPartition() != null) {
      return Topics.DEFAULT_REPLY_TOPIC;
    }
    return row.kafkaTopic();
  }

  /** A detail as the engine wrote it; {@code detailJson} null: the column or the key is absent. */
  private static String fullDetail(
      String type, String step, String phase, String detailJson, Pinned pinned) {
    if (detailJson == null) {
      return defaultDetail(type, step, phase, pinned);
    }
    if (SAGA_STARTED.stored().equals(type)
        && JSON.readTree(detailJson) instanceof ObjectNode node) {
      return startDetail(node, pinned);
    }
    return detailJson;
  }

  private static UUID commandId(UUID sagaId, String step, String phase, int attempt) {
    if (step == null || phase == null) {
      return null;
    }
    return Hashing.commandId(sagaId, step, Phase.fromWire(phase).name(), attempt);
  }

  /** A column's value in the form the event holds it, as text (null when the column is null). */
  private static String columnValue(
      String field, String step, String phase, Integer attempt, UUID commandId) {
    return switch (field) {
      case "step" -> step;
      case "phase" -> phase;
      case "attempt" -> attempt == null ? null : attempt.toString();
      case "commandId" -> commandId == null ? null : commandId.toString();
      default -> null;
    };
  }

  /** An event field's value in the form of the column, as text (a phase by its wire name). */
  private static String eventValue(String field, JsonNode value) {
    if ("attempt".equals(field)) {
      return value.isInt() ? Integer.toString(value.asInt()) : null;
    }
    return value.isString() ? value.asString() : null;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isString() ? "" : v.asString();
  }

  private static String textOrNull(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }
}
