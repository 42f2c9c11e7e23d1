package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.LogEntryType;
import io.sagacoord.dsl.engine.ParticipantGate;
import io.sagacoord.server.internal.storage.LogRow;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gate a replay of one logged transition uses: it refuses exactly the participants that the
 * transition logged as unavailable ({@code PARTICIPANT_UNAVAILABLE} entries of the row), so the
 * replay makes the decisions the coordinator made.
 */
public final class ReplayGate {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String UNAVAILABLE = LogEntryType.PARTICIPANT_UNAVAILABLE.stored();

  private ReplayGate() {}

  /** The gate for the transition logged in {@code row} of a saga on {@code def}. */
  public static ParticipantGate of(LogRow row, SagaDefinition<?> def) {
    Set<String> steps = new HashSet<>();
    if (UNAVAILABLE.equals(row.type()) && row.step() != null) {
      steps.add(row.step());
    }
    if (row.thenJson() != null) {
      for (JsonNode entry : JSON.readTree(row.thenJson())) {
        if (entry.isObject() && UNAVAILABLE.equals(entry.path("type").asString(""))) {
          steps.add(entry.path("step").asString(""));
        }
      }
    }
    if (steps.isEmpty()) {
      return ParticipantGate.ALWAYS_OPEN;
    }
    Set<String> refused = new HashSet<>();
    for (String step : steps) {
      def.step(step).ifPresent(s -> refused.add(s.participant().name()));
    }
    return participant -> !refused.contains(participant);
  }
}
