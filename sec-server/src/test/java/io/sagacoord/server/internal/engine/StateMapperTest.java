package io.sagacoord.server.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.server.internal.persistence.SagaRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StateMapperTest {

  private final StateMapper mapper = new StateMapper(JsonMapper.builder().build());

  private static SagaState state(Map<String, StepState> steps) {
    Instant t = Instant.parse("2026-11-26T20:00:00.123456Z");
    return new SagaState(
        UUID.randomUUID(), "trip", 1, "f", SagaStatus.RUNNING, null, "{}", steps, null, t, t, null);
  }

  @Test
  void stepsRoundTripWithEveryFieldSetAndWithDefaultsLeftOut() {
    Map<String, StepState> steps = new LinkedHashMap<>();
    steps.put(
        "full",
        new StepState(
            "full",
            StepStatus.COMPENSATING,
            3,
            2,
            UUID.randomUUID(),
            Instant.parse("2026-11-26T20:00:01.000001Z"),
            Instant.parse("2026-11-26T20:00:02Z"),
            "",
            1,
            1));
    steps.put("pending", StepState.pending("pending"));
    steps.put(
        "running",
        new StepState(
            "running",
            StepStatus.IN_PROGRESS,
            1,
            0,
            UUID.randomUUID(),
            Instant.parse("2026-11-26T20:00:03Z"),
            null,
            "timed out \"x\"",
            0,
            0));
    SagaState state = state(steps);

    String json = mapper.stepsJson(state);
    SagaRow row = mapper.toRow(state, null, 1);
    SagaState back = mapper.toState(row);

    assertThat(back.steps()).containsExactlyEntriesOf(steps);
    // the pending step carries its name and status only
    assertThat(json).contains("{\"step\":\"pending\",\"status\":\"PENDING\"}");
    assertThat(json).doesNotContain("null").doesNotContain("Base\":0");
  }

  @Test
  void stepTimesAreStoredAsMicrosecondsAfterCreationAndShownAsBefore() {
    // created at 20:00:00.123456 (see state())
    Map<String, StepState> steps = new LinkedHashMap<>();
    steps.put(
        "done",
        new StepState(
            "done",
            StepStatus.SUCCEEDED,
            1,
            0,
            null,
            Instant.parse("2026-11-26T20:00:00.123456Z"),
            Instant.parse("2026-11-26T20:00:03.5Z"),
            null,
            0,
            0));
    // finer than a microsecond: kept as ISO-8601, nothing lost
    steps.put(
        "fine",
        new StepState(
            "fine",
            StepStatus.IN_PROGRESS,
            1,
            0,
            null,
            Instant.parse("2026-11-26T20:00:04.000000001Z"),
            null,
            null,
            0,
            0));
    SagaState state = state(steps);

    String json = mapper.stepsJson(state);

    assertThat(json)
        .contains("{\"step\":\"done\",\"status\":\"SUCCEEDED\",\"forwardAttempt\":1,\"s\":0,")
        .contains("\"f\":3376544}")
        .contains("\"startedAt\":\"2026-11-26T20:00:04.000000001Z\"")
        .doesNotContain("\"startedAt\":\"2026-11-26T20:00:00")
        .doesNotContain("finishedAt");
    assertThat(mapper.toState(mapper.toRow(state, null, 1)).steps())
        .containsExactlyEntriesOf(steps);

    JsonNode shown =
        StateMapper.fullSteps(JsonMapper.builder().build().readTree(json), state.createdAt());
    assertThat(shown.get(0).get("startedAt").asString()).isEqualTo("2026-11-26T20:00:00.123456Z");
    assertThat(shown.get(0).get("finishedAt").asString()).isEqualTo("2026-11-26T20:00:03.500Z");
    assertThat(shown.get(0).has("s") || shown.get(0).has("f")).isFalse();
    assertThat(shown.get(1).get("startedAt").asString())
        .isEqualTo("2026-11-26T20:00:04.000000001Z");
  }

  @Test
  void readsStepsWrittenWithEveryFieldAsBefore() {
    String old =
        "[{\"step\":\"a\",\"status\":\"SUCCEEDED\",\"commandId\":null,\"lastError\":null,"
            + "\"startedAt\":\"2026-11-26T20:44:40.937267Z\","
            + "\"finishedAt\":\"2026-11-26T20:44:42.440537Z\",\"forwardAttempt\":1,"
            + "\"forwardAttemptBase\":0,\"compensationAttempt\":0,\"compensationAttemptBase\":0}]";
    SagaState state = state(Map.of());
    SagaRow row = mapper.toRow(state, null, 1);
    SagaRow oldRow =
        new SagaRow(
            row.id(),
            row.sagaType(),
            row.definitionVersion(),
            row.fingerprint(),
            row.status(),
            null,
            null,
            row.dataJson(),
            old,
            null,
            null,
            row.createdAt(),
            row.updatedAt(),
            1);

    StepState a = mapper.toState(oldRow).steps().get("a");

    assertThat(a)
        .isEqualTo(
            new StepState(
                "a",
                StepStatus.SUCCEEDED,
                1,
                0,
                null,
                Instant.parse("2026-11-26T20:44:40.937267Z"),
                Instant.parse("2026-11-26T20:44:42.440537Z"),
                null,
                0,
                0));
  }
}
