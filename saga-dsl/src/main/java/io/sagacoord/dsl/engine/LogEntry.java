package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.internal.Json;
import io.sagacoord.protocol.Phase;
import java.util.Map;
import java.util.UUID;

/**
 * One line of the saga log produced by a transition.
 *
 * @param type what happened: the {@link LogEntryType#stored() stored name} of a {@link
 *     LogEntryType}
 * @param step step concerned, null for saga-level entries
 * @param phase phase concerned, null when none
 * @param attempt attempt concerned, 0 when none
 * @param commandId command concerned, null when none
 * @param detailJson a JSON object with details (never null)
 */
public record LogEntry(
    String type, String step, Phase phase, int attempt, UUID commandId, String detailJson) {

  /** An entry of a step, a phase or a command, with its detail written as JSON. */
  static LogEntry of(
      LogEntryType type,
      String step,
      Phase phase,
      int attempt,
      UUID commandId,
      Map<String, ?> detail) {
    return new LogEntry(type.stored(), step, phase, attempt, commandId, Json.write(detail));
  }

  /** An entry of the saga as a whole (no step, phase, attempt or command). */
  static LogEntry ofSaga(LogEntryType type, Map<String, ?> detail) {
    return of(type, null, null, 0, null, detail);
  }
}
