package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.server.internal.persistence.LogRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.util.RawValue;

/**
 * Folds the log entries of one transition into one {@code saga_log} row: the first entry in the
 * columns, the others in {@code then_entries}. One row per transition instead of one per entry
 * halves the rows of a saga (n + 1 instead of 2n + 2 for n steps on the happy path) and their index
 * entries; the view {@code saga_log_entry} unfolds them again.
 */
final class LogFolding {

  /** Logged for a transition whose engine log is empty: the event still changed the state. */
  static final LogEntry EVENT_APPLIED = new LogEntry("EVENT_APPLIED", null, null, 0, null, null);

  // plain maps, strings, numbers and raw JSON only: the defaults are enough
  private static final JsonMapper JSON = JsonMapper.builder().build();

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
      TransitionWriter.KafkaOrigin origin) {
    LogEntry first = entries.isEmpty() ? EVENT_APPLIED : entries.get(0);
    return new LogRow(
        sagaId,
        seq,
        first.type(),
        first.step(),
        first.phase() == null ? null : first.phase().wireName(),
        first.attempt() == 0 ? null : first.attempt(),
        first.commandId(),
        first.detailJson(),
        entries.size() > 1 ? thenJson(entries.subList(1, entries.size())) : null,
        eventJson,
        now,
        handledBy,
        origin == null ? null : origin.topic(),
        origin == null ? null : origin.partition(),
        origin == null ? null : origin.offset());
  }

  /** The entries after the first, as the JSON array stored in {@code then_entries}. */
  static String thenJson(List<LogEntry> following) {
    List<Map<String, Object>> list = new ArrayList<>(following.size());
    for (LogEntry e : following) {
      // the same fields as the columns; what the columns would hold as null is left out
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", e.type());
      if (e.step() != null) {
        m.put("step", e.step());
      }
      if (e.phase() != null) {
        m.put("phase", e.phase().wireName());
      }
      if (e.attempt() != 0) {
        m.put("attempt", e.attempt());
      }
      if (e.commandId() != null) {
        m.put("commandId", e.commandId().toString());
      }
      if (e.detailJson() != null) {
        // already JSON: written as is, not parsed again
        m.put("detail", new RawValue(e.detailJson()));
      }
      list.add(m);
    }
    return JSON.writeValueAsString(list);
  }
}
