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

    // the first step started when the saga was created: its start is left out (V70)
    assertThat(json)
        .contains("{\"step\":\"done\",\"status\":\"SUCCEEDED\",\"a\":1,\"f\":3376544}")
        .contains("\"startedAt\":\"2026-11-26T20:00:04.000000001Z\"")
        .doesNotContain("\"startedAt\":\"2026-11-26T20:00:00")
        .doesNotContain("finishedAt");
    assertThat(mapper.toState(mapper.toRow(state, null, 1)).steps())
        .containsExactlyEntriesOf(steps);

    JsonNode shown =
        StateMapper.fullSteps(JsonMapper.builder().build().readTree(json), state.createdAt());
    assertThat(shown.get(0).get("startedAt").asString()).isEqualTo("2026-11-26T20:00:00.123456Z");
    assertThat(shown.get(0).get("finishedAt").asString()).isEqualTo("2026-11-26T20:00:03.500Z");
    assertThat(shown.get(0).has("s") || shown.get(0).has("f") || shown.get(0).has("a")).isFalse();
    assertThat(shown.get(0).get("forwardAttempt").asInt()).isEqualTo(1);
    assertThat(shown.get(1).get("startedAt").asString())
        .isEqualTo("2026-11-26T20:00:04.000000001Z");
  }

  @Test
  void leavesOutAStartThatIsThePreviousFinishAndKeepsEveryOtherStart() {
    // created at 20:00:00.123456 (see state())
    Instant created = Instant.parse("2026-11-26T20:00:00.123456Z");
    Instant t1 = Instant.parse("2026-11-26T20:00:01Z");
    Instant t2 = Instant.parse("2026-11-26T20:00:02Z");
    Map<String, StepState> steps = new LinkedHashMap<>();
    steps.put("first", step("first", StepStatus.SUCCEEDED, 1, 0, created, t1));
    // started when the first finished: left out
    steps.put("second", step("second", StepStatus.COMPENSATED, 2, 1, t1, t2));
    // started later than the second finished: kept
    steps.put("third", step("third", StepStatus.FAILED, 1, 0, t2.plusMillis(5), t2.plusMillis(9)));
    // attempted but without a start (not made by the engine): kept as an explicit null
    steps.put("odd", step("odd", StepStatus.IN_PROGRESS, 1, 0, null, null));
    // skipped: no attempt, so its start is never derived
    steps.put("skipped", step("skipped", StepStatus.SKIPPED, 0, 0, t2, t2));
    SagaState state = state(steps);

    String json = mapper.stepsJson(state);

    assertThat(json)
        .contains("{\"step\":\"first\",\"status\":\"SUCCEEDED\",\"a\":1,\"f\":876544}")
        .contains("{\"step\":\"second\",\"status\":\"COMPENSATED\",\"a\":2,\"c\":1,\"f\":1876544}")
        .contains("\"a\":1,\"s\":1881544,\"f\":1885544}")
        .contains("{\"step\":\"odd\",\"status\":\"IN_PROGRESS\",\"a\":1,\"s\":null}")
        .contains("{\"step\":\"skipped\",\"status\":\"SKIPPED\",\"s\":1876544,\"f\":1876544}")
        .doesNotContain("Attempt\"");
    assertThat(mapper.toState(mapper.toRow(state, null, 1)).steps())
        .containsExactlyEntriesOf(steps);

    JsonNode shown = StateMapper.fullSteps(JsonMapper.builder().build().readTree(json), created);
    assertThat(shown.get(1).get("startedAt").asString()).isEqualTo(t1.toString());
    assertThat(shown.get(1).get("forwardAttempt").asInt()).isEqualTo(2);
    assertThat(shown.get(1).get("compensationAttempt").asInt()).isEqualTo(1);
    assertThat(shown.get(3).has("startedAt")).isFalse();
    for (JsonNode s : shown) {
      assertThat(s.has("a") || s.has("c") || s.has("s") || s.has("f")).isFalse();
    }
  }

  @Test
  void readsStepsWrittenByTheVersionBefore() {
    // V60's form: long attempt keys, every start as an offset
    String v60 =
        "[{\"step\":\"a\",\"status\":\"SUCCEEDED\",\"forwardAttempt\":1,\"s\":0,"
            + "\"f\":876544},{\"step\":\"b\",\"status\":\"IN_PROGRESS\",\"forwardAttempt\":2,"
            + "\"commandId\":\"00000000-0000-0000-0000-0000000000aa\",\"s\":876544},"
            + "{\"step\":\"c\",\"status\":\"PENDING\"}]";
    Instant created = Instant.parse("2026-11-26T20:00:00.123456Z");
    Instant t1 = Instant.parse("2026-11-26T20:00:01Z");

    Map<String, StepState> read = mapper.toState(rowWithSteps(v60)).steps();

    assertThat(read.get("a")).isEqualTo(step("a", StepStatus.SUCCEEDED, 1, 0, created, t1));
    assertThat(read.get("b").forwardAttempt()).isEqualTo(2);
    assertThat(read.get("b").startedAt()).isEqualTo(t1);
    assertThat(read.get("b").commandId())
        .isEqualTo(UUID.fromString("00000000-0000-0000-0000-0000000000aa"));
    assertThat(read.get("c")).isEqualTo(StepState.pending("c"));
  }

  private static StepState step(
      String name, StepStatus status, int forward, int compensation, Instant start, Instant end) {
    return new StepState(name, status, forward, compensation, null, start, end, null, 0, 0);
  }

  private SagaRow rowWithSteps(String stepsJson) {
    SagaRow row = mapper.toRow(state(Map.of()), null, 1);
    return new SagaRow(
        row.id(),
        row.sagaType(),
        row.definitionVersion(),
        row.fingerprint(),
        row.status(),
        null,
        null,
        row.dataJson(),
        stepsJson,
        null,
        null,
        row.createdAt(),
        row.updatedAt(),
        1);
  }

  @Test
  void readsStepsWrittenWithEveryFieldAsBefore() {
    String old =
        "[{\"step\":\"a\",\"status\":\"SUCCEEDED\",\"commandId\":null,\"lastError\":null,"
            + "\"startedAt\":\"2026-11-26T20:44:40.937267Z\","
            + "\"finishedAt\":\"2026-11-26T20:44:42.440537Z\",\"forwardAttempt\":1,"
            + "\"forwardAttemptBase\":0,\"compensationAttempt\":0,\"compensationAttemptBase\":0}]";
    SagaRow oldRow = rowWithSteps(old);

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
