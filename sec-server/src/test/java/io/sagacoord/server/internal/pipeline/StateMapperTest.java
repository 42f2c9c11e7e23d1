package io.sagacoord.server.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.support.TestSagas;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
    assertThat(json).contains("{\"step\":\"pending\",\"status\":\"P\"}");
    assertThat(json).doesNotContain("null").doesNotContain("Base\":0");
  }

  @Test
  void stepTimesAreStoredAsMicrosecondsAfterCreationAndShownAsInstants() {
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

    // the first step started when the saga was created: its start is left out
    assertThat(json)
        .contains("{\"step\":\"done\",\"a\":1,\"f\":3376544}")
        .contains("\"startedAt\":\"2026-11-26T20:00:04.000000001Z\"")
        .doesNotContain("\"startedAt\":\"2026-11-26T20:00:00")
        .doesNotContain("finishedAt");
    assertThat(mapper.toState(mapper.toRow(state, null, 1)).steps())
        .containsExactlyEntriesOf(steps);

    JsonNode shown =
        StateMapper.fullSteps(JsonMapper.builder().build().readTree(json), state.createdAt(), null);
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
        .contains("{\"step\":\"first\",\"a\":1,\"f\":876544}")
        .contains("{\"step\":\"second\",\"status\":\"C\",\"a\":2,\"c\":1,\"f\":1876544}")
        .contains("\"a\":1,\"s\":1881544,\"f\":1885544}")
        .contains("{\"step\":\"odd\",\"status\":\"IN_PROGRESS\",\"a\":1,\"s\":null}")
        .contains("{\"step\":\"skipped\",\"status\":\"K\",\"s\":1876544,\"f\":1876544}")
        .doesNotContain("Attempt\"");
    assertThat(mapper.toState(mapper.toRow(state, null, 1)).steps())
        .containsExactlyEntriesOf(steps);

    JsonNode shown =
        StateMapper.fullSteps(JsonMapper.builder().build().readTree(json), created, null);
    assertThat(shown.get(1).get("startedAt").asString()).isEqualTo(t1.toString());
    assertThat(shown.get(1).get("forwardAttempt").asInt()).isEqualTo(2);
    assertThat(shown.get(1).get("compensationAttempt").asInt()).isEqualTo(1);
    assertThat(shown.get(3).has("startedAt")).isFalse();
    for (JsonNode s : shown) {
      assertThat(s.has("a") || s.has("c") || s.has("s") || s.has("f")).isFalse();
    }
  }

  private static StepState step(
      String name, StepStatus status, int forward, int compensation, Instant start, Instant end) {
    return new StepState(name, status, forward, compensation, null, start, end, null, 0, 0);
  }

  /** The row with another fingerprint and steps. */
  private static SagaRow copy(SagaRow row, String fingerprint, String stepsJson) {
    return new SagaRow(
        row.id(),
        row.sagaType(),
        row.definitionVersion(),
        fingerprint,
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

  // what the pinned definition says is left out

  private static final SagaDefinition<?> TRIP = TestSagas.trip("x");
  private static final DefinitionRegistry REGISTRY = new DefinitionRegistry(List.of(TRIP));
  private static final Instant CREATED = Instant.parse("2026-11-26T20:00:00.123456Z");
  private static final UUID COMMAND = UUID.fromString("00000000-0000-0000-0000-0000000000aa");

  private final StateMapper pinned = new StateMapper(JsonMapper.builder().build(), REGISTRY);

  /** A saga of the trip definition (s1 .. s4) with these steps, in this order. */
  private static SagaState trip(String fingerprint, StepState... steps) {
    Map<String, StepState> map = new LinkedHashMap<>();
    for (StepState s : steps) {
      map.put(s.step(), s);
    }
    return new SagaState(
        UUID.randomUUID(),
        TestSagas.TRIP,
        TRIP.version(),
        fingerprint,
        SagaStatus.RUNNING,
        null,
        "{}",
        map,
        null,
        CREATED,
        CREATED,
        null);
  }

  private static Instant at(long millis) {
    return CREATED.plusMillis(millis);
  }

  private static StepState succeeded(String name, long fromMillis, long toMillis) {
    return step(name, StepStatus.SUCCEEDED, 1, 0, at(fromMillis), at(toMillis));
  }

  private static StepState inProgress(String name, long fromMillis) {
    return new StepState(
        name, StepStatus.IN_PROGRESS, 1, 0, COMMAND, at(fromMillis), null, null, 0, 0);
  }

  /** s1 succeeded, s2 in flight, s3 and s4 not reached. */
  private static SagaState running() {
    return trip(
        TRIP.fingerprint(),
        succeeded("s1", 0, 100),
        inProgress("s2", 100),
        StepState.pending("s3"),
        StepState.pending("s4"));
  }

  private SagaState roundTrip(StateMapper m, SagaState state) {
    return m.toState(m.toRow(state, null, 1));
  }

  @Test
  void stepsThatSucceededOnTheFirstAttemptAreTheirFinishOffsetsOnly() {
    SagaState state =
        trip(
            TRIP.fingerprint(),
            succeeded("s1", 0, 100),
            succeeded("s2", 100, 250),
            succeeded("s3", 250, 400),
            succeeded("s4", 400, 500));

    String json = pinned.stepsJson(state);

    assertThat(json).isEqualTo("[100000,250000,400000,500000]");
    assertThat(roundTrip(pinned, state).steps()).containsExactlyEntriesOf(state.steps());
    // the API shows them in full
    JsonNode shown =
        StateMapper.fullSteps(
            JsonMapper.builder().build().readTree(json), pinned.toRow(state, null, 1), REGISTRY);
    assertThat(shown.get(1).toString())
        .isEqualTo(
            "{\"step\":\"s2\",\"status\":\"SUCCEEDED\",\"forwardAttempt\":1,"
                + "\"startedAt\":\"2026-11-26T20:00:00.223456Z\","
                + "\"finishedAt\":\"2026-11-26T20:00:00.373456Z\"}");
  }

  @Test
  void onlyTheStepsThatSqlLooksUpByStatusKeepTheirNameAndStatus() {
    SagaState running = running();
    // a retried step, a compensated one, a failed one
    SagaState compensated =
        trip(
            TRIP.fingerprint(),
            step("s1", StepStatus.SUCCEEDED, 2, 0, at(0), at(100)),
            step("s2", StepStatus.COMPENSATED, 1, 1, at(100), at(300)),
            new StepState("s3", StepStatus.FAILED, 1, 0, null, at(200), at(250), "no", 0, 0),
            new StepState(
                "s4", StepStatus.COMPENSATION_FAILED, 1, 5, null, at(250), at(260), "x", 0, 0));

    assertThat(pinned.stepsJson(running))
        .isEqualTo(
            "[100000,{\"step\":\"s2\",\"status\":\"IN_PROGRESS\",\"a\":1,"
                + "\"commandId\":\"00000000-0000-0000-0000-0000000000aa\"},null,null]");
    assertThat(pinned.stepsJson(compensated))
        .isEqualTo(
            "[{\"a\":2,\"f\":100000},{\"status\":\"C\",\"a\":1,\"c\":1,\"f\":300000},"
                + "{\"status\":\"F\",\"a\":1,\"s\":200000,\"f\":250000,\"lastError\":\"no\"},"
                + "{\"step\":\"s4\",\"status\":\"COMPENSATION_FAILED\",\"a\":1,\"c\":5,"
                + "\"f\":260000,\"lastError\":\"x\"}]");
    assertThat(roundTrip(pinned, running).steps()).containsExactlyEntriesOf(running.steps());
    assertThat(roundTrip(pinned, compensated).steps())
        .containsExactlyEntriesOf(compensated.steps());
    // every status reads back, codes or not; SQL finds the current ones by name and status
    for (StepStatus status : StepStatus.values()) {
      SagaState one =
          trip(TRIP.fingerprint(), step("s1", status, 1, 1, at(0), at(1)), succeeded("s2", 1, 2));
      assertThat(roundTrip(pinned, one).steps()).containsExactlyEntriesOf(one.steps());
      if (SagaQueryDao.CURRENT_STEP_STATUSES.contains(status.name())) {
        assertThat(pinned.stepsJson(one))
            .startsWith("[{\"step\":\"s1\",\"status\":\"" + status + "\",");
      }
    }
  }

  @Test
  void aNameThatIsNotTheDefinitionsAtItsPositionIsWritten() {
    // not what the engine makes (it keeps the definition's order), but it must not be lost
    SagaState state =
        trip(
            TRIP.fingerprint(),
            succeeded("s2", 0, 100),
            succeeded("s1", 100, 200),
            succeeded("s3", 200, 300),
            succeeded("s4", 300, 400),
            StepState.pending("s5"));

    assertThat(pinned.stepsJson(state))
        .isEqualTo(
            "[{\"step\":\"s2\",\"a\":1,\"f\":100000},{\"step\":\"s1\",\"a\":1,\"f\":200000},"
                + "300000,400000,{\"step\":\"s5\",\"status\":\"P\"}]");
    assertThat(roundTrip(pinned, state).steps()).containsExactlyEntriesOf(state.steps());
  }

  @Test
  void withoutItsDefinitionASagaReadsWithStandInNamesAndIsWrittenBackAsItWas() {
    SagaState running = running();
    SagaRow row = pinned.toRow(running, null, 1);
    SagaRow changedDefinition = copy(row, "00".repeat(32), row.stepsJson());

    // the version is not loaded (mapper), or it is with another fingerprint (pinned)
    for (SagaState read : List.of(mapper.toState(row), pinned.toState(changedDefinition))) {
      assertThat(read.steps().keySet()).containsExactly("#1", "s2", "#3", "#4");
      assertThat(read.step("#1"))
          .isEqualTo(
              new StepState("#1", StepStatus.SUCCEEDED, 1, 0, null, at(0), at(100), null, 0, 0));
      assertThat(read.step("s2")).isEqualTo(running.step("s2"));
      assertThat(read.step("#3")).isEqualTo(StepState.pending("#3"));
      // parked and written back without the definition: the same steps as stored
      assertThat(mapper.stepsJson(read)).isEqualTo(row.stepsJson());
    }
    // loaded again: the names are back
    assertThat(pinned.toState(row).steps()).containsExactlyEntriesOf(running.steps());
    JsonNode shown =
        StateMapper.fullSteps(
            JsonMapper.builder().build().readTree(row.stepsJson()), CREATED, null);
    assertThat(shown.get(0).get("step").asString()).isEqualTo("#1");
    assertThat(shown.get(0).get("status").asString()).isEqualTo("SUCCEEDED");
    assertThat(shown.get(2).get("status").asString()).isEqualTo("PENDING");
  }
}
