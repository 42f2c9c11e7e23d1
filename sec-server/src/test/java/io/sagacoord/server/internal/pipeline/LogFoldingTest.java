package io.sagacoord.server.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.util.RawValue;

/**
 * The compact log rows read back to exactly the entries and events the engine made, and leave out
 * only what the reader derives.
 */
class LogFoldingTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant T0 = Instant.parse("2026-11-26T20:00:00.123456Z");

  private final SagaDefinition<TestData> def = TestSagas.trip("fold");
  private final SagaEngine engine = new SagaEngine(new JacksonJsonCodec(JSON));
  private final EventJson events = new EventJson(JSON);
  private final DefinitionRegistry registry = new DefinitionRegistry(List.of(def));

  /** One transition as the engine made it. */
  private record Step(Transition transition, String eventJson) {}

  /**
   * A saga that exercises most entry kinds: start, a success, a stale reply (command id not the
   * outstanding one), a technical failure and retry timer, a business failure, compensations with a
   * timeout, and operator events.
   */
  private List<Step> run(UUID sagaId) {
    List<Step> steps = new ArrayList<>();
    String data = JSON.writeValueAsString(TestData.ok());
    Transition t = engine.start(def, sagaId, data, T0);
    steps.add(new Step(t, events.start(data)));
    List<SagaEvent> script = new ArrayList<>();
    script.add(
        reply(
            sagaId,
            "s1",
            Phase.FORWARD,
            1,
            ReplyOutcome.SUCCESS,
            "{\"boom\":false,\"value\":\"x\"}"));
    script.add(
        new SagaEvent.ReplyReceived(
            "s1", Phase.FORWARD, 1, UUID.randomUUID(), ReplyOutcome.SUCCESS, "{}"));
    script.add(reply(sagaId, "s2", Phase.FORWARD, 1, ReplyOutcome.TECHNICAL_FAILURE, "{}"));
    script.add(new SagaEvent.TimerFired(TimerKind.RETRY, "s2", Phase.FORWARD, 2));
    script.add(reply(sagaId, "s2", Phase.FORWARD, 2, ReplyOutcome.SUCCESS, "{}"));
    script.add(reply(sagaId, "s3", Phase.FORWARD, 1, ReplyOutcome.BUSINESS_FAILURE, "{}"));
    script.add(new SagaEvent.TimerFired(TimerKind.STEP_TIMEOUT, "s2", Phase.COMPENSATE, 1));
    script.add(new SagaEvent.OperatorRetryStep("s2", "alice", "try again"));
    script.add(reply(sagaId, "s2", Phase.COMPENSATE, 2, ReplyOutcome.SUCCESS, "{}"));
    script.add(reply(sagaId, "s1", Phase.COMPENSATE, 1, ReplyOutcome.SUCCESS, "{}"));
    script.add(new SagaEvent.OperatorResolve("bob", "done"));
    SagaState state = t.state();
    Instant now = T0;
    for (SagaEvent e : script) {
      now = now.plusMillis(250);
      t = engine.apply(def, state, e, now);
      state = t.state();
      steps.add(new Step(t, events.toJson(e)));
    }
    steps.add(new Step(engine.park(state, "definition missing", now), events.park("missing")));
    return steps;
  }

  private static SagaEvent reply(
      UUID sagaId, String step, Phase phase, int attempt, ReplyOutcome outcome, String body) {
    return new SagaEvent.ReplyReceived(
        step,
        phase,
        attempt,
        io.sagacoord.dsl.internal.Hashing.commandId(sagaId, step, phase.name(), attempt),
        outcome,
        body);
  }

  private LogForm.Pinned pinned(SagaDefinition<?> loaded) {
    return new LogForm.Pinned(def.name(), def.version(), def.fingerprint(), loaded);
  }

  @Test
  void compactRowsReadBackToTheEngineEntriesAndEvents() {
    UUID sagaId = UUID.randomUUID();
    List<Step> steps = run(sagaId);
    int seq = 0;
    int commandsSent = 0;
    for (Step s : steps) {
      seq++;
      LogRow compact = write(sagaId, seq, s, pinned(def));
      List<LogEntry> expected =
          s.transition().log().isEmpty() ? List.of(LogFolding.EVENT_APPLIED) : s.transition().log();

      List<LogEntryRow> fromCompact = LogUnfolding.unfold(compact, pinned(def));
      assertEntries(fromCompact, expected, sagaId);
      assertThat(tree(LogUnfolding.event(compact))).isEqualTo(tree(s.eventJson()));
      assertThat(tree(fromCompact.get(0).eventJson())).isEqualTo(tree(s.eventJson()));
      commandsSent += (int) expected.stream().filter(e -> e.type().equals("COMMAND_SENT")).count();
    }
    assertThat(commandsSent).as("the scenario sends commands").isGreaterThan(5);
  }

  @Test
  void compactRowsAreSmallerAndLeaveOutOnlyWhatIsDerived() {
    UUID sagaId = UUID.randomUUID();
    List<Step> steps = run(sagaId);
    LogRow start = write(sagaId, 1, steps.get(0), pinned(def));
    // {"deadline": null}, the rest being the instance's: the default, left out
    assertThat(start.detailJson()).isNull();
    // the first forward command with everything derived: its step name only
    assertThat(tree(start.thenJson())).isEqualTo(tree("[\"s1\"]"));
    LogRow success = write(sagaId, 2, steps.get(1), pinned(def));
    JsonNode event = tree(success.eventJson());
    assertThat(event.has("step") || event.has("commandId") || event.has("attempt")).isFalse();
    // a success of a STEP_SUCCEEDED row: the outcome is left out, the body is not empty
    assertThat(event.has("outcome")).isFalse();
    assertThat(event.get("bodyJson").asString()).contains("boom");
    // a technical failure with an empty body: the outcome is kept, the body left out
    JsonNode failure = tree(write(sagaId, 4, steps.get(3), pinned(def)).eventJson());
    assertThat(failure.get("outcome").asString()).isEqualTo("TECHNICAL_FAILURE");
    assertThat(failure.has("bodyJson")).isFalse();
    // the reply's command id is the deterministic one: left out of the column too
    assertThat(success.commandId()).isNull();
    assertThat(LogUnfolding.commandId(success))
        .isEqualTo(steps.get(1).transition().log().get(0).commandId());
    // the stale reply's command id is not the row's: kept
    LogRow stale = write(sagaId, 3, steps.get(2), pinned(def));
    assertThat(tree(stale.eventJson()).has("commandId")).isTrue();

    int compactBytes = 0;
    int fullBytes = 0;
    for (int i = 0; i < steps.size(); i++) {
      LogRow c = write(sagaId, i + 1, steps.get(i), pinned(def));
      LogRow f = fullRow(sagaId, i + 1, steps.get(i));
      compactBytes += length(c.detailJson()) + length(c.thenJson()) + length(c.eventJson());
      fullBytes += length(f.detailJson()) + length(f.thenJson()) + length(f.eventJson());
    }
    assertThat(compactBytes).isLessThan(fullBytes * 2 / 3);
  }

  @Test
  void onlyReplyRowsLeaveOutTheirCommandId() {
    UUID sagaId = UUID.randomUUID();
    List<Step> steps = run(sagaId);
    List<String> leftOut = new ArrayList<>();
    int seq = 0;
    for (Step s : steps) {
      seq++;
      LogRow compact = write(sagaId, seq, s, pinned(def));
      LogEntry first =
          s.transition().log().isEmpty() ? LogFolding.EVENT_APPLIED : s.transition().log().get(0);
      if (compact.commandId() == null && first.commandId() != null) {
        leftOut.add(first.type() + " " + first.step() + " " + first.phase());
        assertThat(tree(s.eventJson()).get("type").asString()).isEqualTo("ReplyReceived");
      }
      assertThat(LogUnfolding.commandId(compact)).isEqualTo(first.commandId());
    }
    // the rows of replies to the outstanding command whose first entry has its id; not the stale
    // reply, not the timers (a timeout keeps the id of the command it gave up on)
    assertThat(leftOut)
        .containsExactly(
            "STEP_SUCCEEDED s1 FORWARD",
            "STEP_SUCCEEDED s2 FORWARD",
            "STEP_COMPENSATED s2 COMPENSATE",
            "STEP_COMPENSATED s1 COMPENSATE");
  }

  @Test
  void defaultDetailsBareReplyEventsAndPlainNextCommandsAreLeftOutAndReadBack() {
    UUID sagaId = UUID.randomUUID();
    List<Step> steps = happyPath(sagaId);
    List<String> rows = new ArrayList<>();
    int seq = 0;
    for (Step s : steps) {
      seq++;
      LogRow row = fromKafka(sagaId, seq, s);
      rows.add(
          row.type()
              + " "
              + row.phase()
              + " "
              + row.detailJson()
              + " "
              + row.eventJson()
              + " "
              + (row.thenJson() == null ? null : tree(row.thenJson())));
      assertEntries(
          LogUnfolding.unfold(row, pinned(def)),
          s.transition().log(),
          sagaId,
          seq == 1 ? null : 5L);
      assertThat(tree(LogUnfolding.event(row))).isEqualTo(tree(s.eventJson()));
      assertThat(LogUnfolding.commandId(row)).isEqualTo(s.transition().log().get(0).commandId());
    }
    assertThat(rows.get(0)).startsWith("SAGA_STARTED null null {").endsWith(" [\"s1\"]");
    // a reply with a body keeps it in its event
    assertThat(rows.get(1)).startsWith("STEP_SUCCEEDED null null {").endsWith("} [\"s2\"]");
    assertThat(rows.subList(2, rows.size()))
        .containsExactly(
            "STEP_SUCCEEDED null null null [\"s3\"]",
            "STEP_SUCCEEDED null null null [\"s4\"]",
            "STEP_SUCCEEDED null null null [{\"type\":\"SAGA_COMPLETED\"}]");
  }

  @Test
  void onlyAReplyRowFromKafkaLeavesOutItsEvent() {
    UUID sagaId = UUID.randomUUID();
    Step success = happyPath(sagaId).get(2);
    // the same reply without a Kafka origin keeps its event
    LogRow noOrigin = write(sagaId, 2, success, null, pinned(def));
    assertThat(tree(noOrigin.eventJson())).isEqualTo(tree("{\"type\":\"ReplyReceived\"}"));
    assertThat(tree(LogUnfolding.event(noOrigin))).isEqualTo(tree(success.eventJson()));

    // an event applied without log entries: its detail stays null
    LogRow applied =
        new LogRow(
            sagaId,
            5,
            "EVENT_APPLIED",
            null,
            null,
            null,
            null,
            null,
            null,
            "{\"type\":\"X\"}",
            T0,
            "sec-1",
            null,
            null,
            null);
    assertThat(LogUnfolding.unfold(applied, pinned(def)).get(0).detailJson()).isNull();
  }

  /** The trip saga's happy path: a start and four successful replies, all but the first empty. */
  private List<Step> happyPath(UUID sagaId) {
    List<Step> steps = new ArrayList<>();
    String data = JSON.writeValueAsString(TestData.ok());
    Transition t = engine.start(def, sagaId, data, T0);
    steps.add(new Step(t, events.start(data)));
    Instant now = T0;
    for (String step : List.of("s1", "s2", "s3", "s4")) {
      now = now.plusMillis(250);
      // s1's reply handler reads a body
      String body = step.equals("s1") ? "{\"boom\":false,\"value\":\"x\"}" : "{}";
      SagaEvent e = reply(sagaId, step, Phase.FORWARD, 1, ReplyOutcome.SUCCESS, body);
      t = engine.apply(def, t.state(), e, now);
      steps.add(new Step(t, events.toJson(e)));
    }
    assertThat(t.state().status().name()).isEqualTo("COMPLETED");
    return steps;
  }

  /** A row as the coordinator writes it, a start without and a reply with its Kafka origin. */
  private LogRow fromKafka(UUID sagaId, int seq, Step s) {
    boolean start = seq == 1;
    return write(
        sagaId,
        seq,
        s,
        start ? null : new TransitionWriter.KafkaOrigin(Topics.DEFAULT_REPLY_TOPIC, 0, 5L),
        pinned(def));
  }

  @Test
  void withoutTheDefinitionNothingIsLeftOutAndALostOneLeavesOnlyTheCommandDetailEmpty() {
    UUID sagaId = UUID.randomUUID();
    List<Step> steps = run(sagaId);
    // written while the definition is not loaded: the command detail is kept
    LogRow kept = write(sagaId, 1, steps.get(0), pinned(null));
    assertThat(kept.thenJson()).contains("\"topic\"");
    assertEntries(LogUnfolding.unfold(kept, pinned(null)), steps.get(0).transition().log(), sagaId);

    // written with it, read without it: ids and the start detail come back, the command detail
    // (participant, topic, command type) cannot
    LogRow compact = write(sagaId, 1, steps.get(0), pinned(def));
    List<LogEntryRow> read = LogUnfolding.unfold(compact, pinned(null));
    LogEntry sent = steps.get(0).transition().log().get(1);
    assertThat(read.get(1).commandId()).isEqualTo(sent.commandId());
    assertThat(read.get(1).detailJson()).isNull();
    assertThat(tree(read.get(0).detailJson()))
        .isEqualTo(tree(steps.get(0).transition().log().get(0).detailJson()));
  }

  @Test
  void theProtocolReplyTopicIsLeftOutAndPutBackAndAnyOtherTopicIsKept() {
    UUID sagaId = UUID.randomUUID();
    Step success = run(sagaId).get(1);
    LogRow fromReplies =
        write(
            sagaId,
            2,
            success,
            new TransitionWriter.KafkaOrigin(Topics.DEFAULT_REPLY_TOPIC, 3, 9L),
            pinned(def));
    assertThat(fromReplies.kafkaTopic()).isNull();
    assertThat(fromReplies.kafkaPartition()).isEqualTo(3);
    assertThat(LogUnfolding.unfold(fromReplies, pinned(def)))
        .allSatisfy(
            e -> {
              assertThat(e.kafkaTopic()).isEqualTo(Topics.DEFAULT_REPLY_TOPIC);
              assertThat(e.kafkaPartition()).isEqualTo(3);
              assertThat(e.kafkaOffset()).isEqualTo(9L);
            });

    LogRow other = write(sagaId, 2, success, pinned(def));
    assertThat(other.kafkaTopic()).isEqualTo("replies");
    assertThat(LogUnfolding.unfold(other, pinned(def)))
        .allSatisfy(e -> assertThat(e.kafkaTopic()).isEqualTo("replies"));

    // a row without Kafka origin (a start, a timer) has no topic to put back
    LogRow start = write(sagaId, 1, run(sagaId).get(0), pinned(def));
    LogRow noOrigin =
        new LogRow(
            start.sagaId(),
            start.seq(),
            start.type(),
            start.step(),
            start.phase(),
            start.attempt(),
            start.commandId(),
            start.detailJson(),
            start.thenJson(),
            start.eventJson(),
            start.occurredAt(),
            start.handledBy(),
            null,
            null,
            null);
    assertThat(LogUnfolding.unfold(noOrigin, pinned(def)))
        .allSatisfy(e -> assertThat(e.kafkaTopic()).isNull());
  }

  @Test
  void registryPinsOnlyTheSameFingerprint() {
    assertThat(
            LogForm.Pinned.of(def.name(), def.version(), def.fingerprint(), registry).definition())
        .isSameAs(def);
    assertThat(LogForm.Pinned.of(def.name(), def.version(), "other", registry).definition())
        .isNull();
    assertThat(LogForm.Pinned.of(def.name(), 9, def.fingerprint(), registry).definition()).isNull();
  }

  private LogRow write(UUID sagaId, int seq, Step s, LogForm.Pinned pinned) {
    return write(sagaId, seq, s, new TransitionWriter.KafkaOrigin("replies", 1, 7L), pinned);
  }

  private static LogRow write(
      UUID sagaId, int seq, Step s, TransitionWriter.KafkaOrigin origin, LogForm.Pinned pinned) {
    return LogFolding.row(
        sagaId, seq, s.transition().log(), s.eventJson(), T0, "sec-1", origin, pinned);
  }

  /**
   * A row with every field of every entry and event stored: what the compact form is measured
   * against.
   */
  private static LogRow fullRow(UUID sagaId, int seq, Step s) {
    List<LogEntry> entries =
        s.transition().log().isEmpty() ? List.of(LogFolding.EVENT_APPLIED) : s.transition().log();
    LogEntry first = entries.get(0);
    String then = null;
    if (entries.size() > 1) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (LogEntry e : entries.subList(1, entries.size())) {
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
          m.put("detail", new RawValue(e.detailJson()));
        }
        list.add(m);
      }
      then = JSON.writeValueAsString(list);
    }
    return new LogRow(
        sagaId,
        seq,
        first.type(),
        first.step(),
        first.phase() == null ? null : first.phase().wireName(),
        first.attempt() == 0 ? null : first.attempt(),
        first.commandId(),
        first.detailJson(),
        then,
        s.eventJson(),
        T0,
        "sec-1",
        "replies",
        1,
        7L);
  }

  private static void assertEntries(List<LogEntryRow> read, List<LogEntry> expected, UUID sagaId) {
    assertEntries(read, expected, sagaId, 7L);
  }

  private static void assertEntries(
      List<LogEntryRow> read, List<LogEntry> expected, UUID sagaId, Long kafkaOffset) {
    assertThat(read).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      LogEntry e = expected.get(i);
      LogEntryRow r = read.get(i);
      assertThat(r.sagaId()).isEqualTo(sagaId);
      assertThat(r.entry()).isEqualTo(i);
      assertThat(r.type()).isEqualTo(e.type());
      assertThat(r.step()).isEqualTo(e.step());
      assertThat(r.phase()).isEqualTo(e.phase() == null ? null : e.phase().wireName());
      assertThat(r.attempt()).isEqualTo(e.attempt() == 0 ? null : e.attempt());
      assertThat(r.commandId()).as("command id of %s", e).isEqualTo(e.commandId());
      assertThat(tree(r.detailJson())).as("detail of %s", e).isEqualTo(tree(e.detailJson()));
      assertThat(r.handledBy()).isEqualTo("sec-1");
      assertThat(r.kafkaOffset()).isEqualTo(kafkaOffset);
      if (i > 0) {
        assertThat(r.eventJson()).isNull();
      }
    }
  }

  private static JsonNode tree(String json) {
    return json == null ? null : JSON.readTree(json);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }
}
