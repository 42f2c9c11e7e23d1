package io.sagacoord.server.internal.pipeline;

import static io.sagacoord.dsl.engine.LogEntryType.COMMAND_SENT;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_COMPLETED;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_STARTED;
import static io.sagacoord.dsl.engine.LogEntryType.STEP_SUCCEEDED;
import static io.sagacoord.server.internal.pipeline.LogForm.BARE_REPLY_NODE;
import static io.sagacoord.server.internal.pipeline.LogForm.EVENT_FIELDS_FROM_COLUMNS;
import static io.sagacoord.server.internal.pipeline.LogForm.FORWARD;
import static io.sagacoord.server.internal.pipeline.LogForm.JSON;
import static io.sagacoord.server.internal.pipeline.LogForm.REPLY_RECEIVED;
import static io.sagacoord.server.internal.pipeline.LogForm.columnValue;
import static io.sagacoord.server.internal.pipeline.LogForm.commandId;
import static io.sagacoord.server.internal.pipeline.LogForm.derivedCommandId;
import static io.sagacoord.server.internal.pipeline.LogForm.replyDefaults;
import static io.sagacoord.server.internal.pipeline.LogForm.storedDefault;
import static io.sagacoord.server.internal.pipeline.LogForm.text;

import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.LogEntryType;
import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.pipeline.LogForm.Pinned;
import io.sagacoord.server.internal.storage.LogRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * Writes the saga log in its stored form ({@link LogForm}): folds the log entries of one transition
 * into one {@code saga_log} row, leaving out what {@link LogUnfolding} derives on read.
 */
final class LogFolding {

  /** Logged for a transition whose engine log is empty: the event still changed the state. */
  static final LogEntry EVENT_APPLIED =
      new LogEntry(LogEntryType.EVENT_APPLIED.stored(), null, null, 0, null, null);

  private LogFolding() {}

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

  /** Whether a row's phase is the one {@link LogUnfolding#phase(LogRow)} derives. */
  private static boolean forwardSuccess(String type, String step, String phase) {
    return STEP_SUCCEEDED.stored().equals(type) && step != null && FORWARD.equals(phase);
  }

  /** An event field's value in the form of the column, as text (a phase by its wire name). */
  private static String eventValue(String field, JsonNode value) {
    if ("attempt".equals(field)) {
      return value.isInt() ? Integer.toString(value.asInt()) : null;
    }
    return value.isString() ? value.asString() : null;
  }
}
