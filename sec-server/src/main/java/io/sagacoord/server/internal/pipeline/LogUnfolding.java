package io.sagacoord.server.internal.pipeline;

import static io.sagacoord.dsl.engine.LogEntryType.COMMAND_SENT;
import static io.sagacoord.dsl.engine.LogEntryType.SAGA_STARTED;
import static io.sagacoord.dsl.engine.LogEntryType.STEP_SUCCEEDED;
import static io.sagacoord.server.internal.pipeline.LogForm.BARE_REPLY;
import static io.sagacoord.server.internal.pipeline.LogForm.EVENT_FIELDS_FROM_COLUMNS;
import static io.sagacoord.server.internal.pipeline.LogForm.FORWARD;
import static io.sagacoord.server.internal.pipeline.LogForm.JSON;
import static io.sagacoord.server.internal.pipeline.LogForm.REPLY_RECEIVED;
import static io.sagacoord.server.internal.pipeline.LogForm.columnValue;
import static io.sagacoord.server.internal.pipeline.LogForm.derivedCommandId;
import static io.sagacoord.server.internal.pipeline.LogForm.replyDefaults;
import static io.sagacoord.server.internal.pipeline.LogForm.storedDefault;
import static io.sagacoord.server.internal.pipeline.LogForm.text;
import static io.sagacoord.server.internal.pipeline.LogForm.textOrNull;

import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.pipeline.LogForm.Pinned;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the saga log's stored form ({@link LogForm}): unfolds a {@code saga_log} row into the log
 * entries the engine made, putting back what the row leaves out.
 */
final class LogUnfolding {

  private LogUnfolding() {}

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
        commandId = LogForm.commandId(row.sagaId(), step, phase, attempt == null ? 0 : attempt);
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

  /**
   * What a null detail column, or a folded entry without a {@code detail} key, means: the detail
   * from the pinned definition for a {@code COMMAND_SENT} (null if it is not loaded), null for
   * {@code EVENT_APPLIED}, the instance's type, version and fingerprint with no deadline for {@code
   * SAGA_STARTED}, and otherwise the stored default of {@link LogFolding#isDefaultDetail}.
   */
  private static String defaultDetail(String type, String step, String phase, Pinned pinned) {
    if (COMMAND_SENT.stored().equals(type)) {
      ObjectNode derived = pinned.commandDetail(step, phase);
      return derived == null ? null : derived.toString();
    }
    if (LogFolding.EVENT_APPLIED.type().equals(type) || type == null) {
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
}
