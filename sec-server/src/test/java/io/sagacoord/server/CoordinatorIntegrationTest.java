package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.protocol.Topics;
import io.sagacoord.server.internal.ops.QueueVacuum;
import io.sagacoord.server.internal.pipeline.SagaLogReader;
import io.sagacoord.server.internal.pipeline.SagaReplayer;
import io.sagacoord.server.internal.pipeline.StateMapper;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The coordinator end to end on a real Postgres and a real Kafka broker, with scripted participants
 * on raw Kafka clients. One coordinator serves every test; each test uses its own sagas. Time moves
 * when a test moves the clock: timeouts and deadlines pass by {@link CoordinatorKit#advanceAndRun}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CoordinatorIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);

  private final JsonMapper json = JsonMapper.builder().build();

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_it")
          .property("sec.kafka.max-reply-bytes", "10000")
          .definitions(suffix -> List.of(TestSagas.trip(suffix), TestSagas.deadline(suffix)));

  private TestDatabase db;
  private RunningCoordinator sec;
  private ScriptedParticipants participants;
  private String replyTopic;
  private SagaCoordinator coordinator;

  @BeforeAll
  void start() {
    db = kit.db();
    sec = kit.sec();
    participants = kit.participants();
    replyTopic = kit.replyTopic();
    coordinator = kit.coordinator();
  }

  @Test
  void createsTheRegistryTopicBeforeAnyParticipantAnnouncesItself() throws Exception {
    // the kit's participants are scripted and never create the registry topic: the coordinator,
    // whose registry consumer subscribes to it at start, does
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kit.kafka().bootstrapServers()))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .contains(replyTopic + "-registry", replyTopic);
    }
  }

  @Test
  void completesEveryStepInOrderOnTheHappyPath() {
    UUID id = startTrip(TestData.ok());

    SagaView saga = awaitStatus(id, "COMPLETED");

    assertThat(forward(id)).extracting(Received::step).containsExactly("s1", "s2", "s3", "s4");
    assertThat(compensations(id)).isEmpty();
    assertThat(saga.data().get("note").asString()).isEqualTo("v-s1");
    assertThat(
            sec.bean(MeterRegistry.class)
                .counter("sec.sagas.completed", "type", TestSagas.TRIP)
                .count())
        .isGreaterThanOrEqualTo(1);
    assertReplayReproducesStoredState(id);
    // the commands' outbox rows are deleted once acknowledged, and every hand-over to the relay
    // was taken (none was left to the poll)
    JdbcClient jdbc = sec.bean(JdbcClient.class);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT count(*) FROM saga_outbox WHERE saga_id = :id")
                            .param("id", id)
                            .query(Long.class)
                            .single())
                    .isZero());
    assertThat(sec.bean(MeterRegistry.class).counter("sec.outbox.handovers.dropped").count())
        .isZero();
  }

  @Test
  void logsOneRowPerTransitionAndTheTimelineListsEveryEntry() throws Exception {
    UUID id = startTrip(TestData.ok());
    awaitStatus(id, "COMPLETED");

    // 4 steps: one row for the start and one per reply, n + 1 rows
    List<LogRow> rows = log(id);
    assertThat(rows)
        .extracting(LogRow::type)
        .containsExactly(
            "SAGA_STARTED", "STEP_SUCCEEDED", "STEP_SUCCEEDED", "STEP_SUCCEEDED", "STEP_SUCCEEDED");
    assertThat(rows).allSatisfy(r -> assertThat(r.eventJson()).isNotNull());
    assertThat(rows).allSatisfy(r -> assertThat(r.thenJson()).isNotNull());
    assertThat(sec.bean(SagaInstanceDao.class).find(id).orElseThrow().lastSeq()).isEqualTo(5);
    // each reply answers the outstanding command, whose id is the deterministic one: the rows
    // leave it out, and the reader and the view below put it back
    assertThat(rows).extracting(LogRow::commandId).containsOnlyNulls();

    List<String> expectedTypes =
        List.of(
            "SAGA_STARTED",
            "COMMAND_SENT",
            "STEP_SUCCEEDED",
            "COMMAND_SENT",
            "STEP_SUCCEEDED",
            "COMMAND_SENT",
            "STEP_SUCCEEDED",
            "COMMAND_SENT",
            "STEP_SUCCEEDED",
            "SAGA_COMPLETED");
    List<LogEntryRow> entries =
        sec.bean(SagaLogReader.class)
            .entries(sec.bean(SagaInstanceDao.class).find(id).orElseThrow());
    assertThat(entries).extracting(LogEntryRow::type).isEqualTo(expectedTypes);
    // the view saga_log_entry puts back the same command ids and events (not the command detail,
    // which only the definition knows)
    List<LogEntryRow> viewed = sec.bean(SagaLogDao.class).findEntriesBySaga(id);
    assertThat(viewed)
        .extracting(LogEntryRow::type, LogEntryRow::commandId)
        .isEqualTo(
            entries.stream()
                .map(e -> org.assertj.core.groups.Tuple.tuple(e.type(), e.commandId()))
                .toList());
    for (int i = 0; i < entries.size(); i++) {
      LogEntryRow v = viewed.get(i);
      LogEntryRow e = entries.get(i);
      assertThat(tree(v.eventJson())).isEqualTo(tree(e.eventJson()));
      assertThat(List.of(v.entry(), String.valueOf(v.step()), String.valueOf(v.phase())))
          .isEqualTo(List.of(e.entry(), String.valueOf(e.step()), String.valueOf(e.phase())));
      assertThat(v.attempt()).isEqualTo(e.attempt());
      // the defaults that rows leave out (start, success, completion), put back alike
      if (!e.type().equals("COMMAND_SENT")) {
        assertThat(tree(v.detailJson())).as("detail of %s", e).isEqualTo(tree(e.detailJson()));
      }
    }
    // the default details are left out; the replies here have bodies, so their rows keep
    // the event (LogFoldingTest and MigrationsTest cover rows without one)
    assertThat(rows).extracting(LogRow::detailJson).containsOnlyNulls();
    assertThat(rows.get(1).thenJson()).isEqualTo("[\"s2\"]");
    assertThat(entries)
        .filteredOn(e -> e.type().equals("STEP_SUCCEEDED"))
        .extracting(LogEntryRow::commandId)
        .isEqualTo(forward(id).stream().map(Received::commandId).toList());
    assertThat(entries)
        .filteredOn(e -> e.type().equals("COMMAND_SENT"))
        .extracting(LogEntryRow::step, LogEntryRow::phase, LogEntryRow::attempt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("s1", "forward", 1),
            org.assertj.core.groups.Tuple.tuple("s2", "forward", 1),
            org.assertj.core.groups.Tuple.tuple("s3", "forward", 1),
            org.assertj.core.groups.Tuple.tuple("s4", "forward", 1));

    // the REST timeline lists each log entry on its own, numbered 1..10
    JsonNode timeline = json.readTree(get("/api/sagas/" + id + "/log").body());
    List<JsonNode> logged = new ArrayList<>();
    timeline.get("entries").forEach(e -> logged.add(e));
    logged.removeIf(e -> !e.get("source").asString().equals("log"));
    assertThat(logged).extracting(e -> e.get("type").asString()).isEqualTo(expectedTypes);
    assertThat(logged)
        .extracting(e -> e.get("seq").asInt())
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    List<UUID> sentIds = new ArrayList<>();
    for (JsonNode e : logged) {
      if (e.get("type").asString().equals("COMMAND_SENT")) {
        sentIds.add(UUID.fromString(e.get("commandId").asString()));
        assertThat(e.get("detail").get("commandType").asString()).endsWith(".do");
        // the event belongs to the transition's first entry only
        assertThat(e.path("event").isNull() || e.path("event").isMissingNode()).isTrue();
      }
    }
    assertThat(sentIds).isEqualTo(forward(id).stream().map(Received::commandId).toList());
    assertThat(logged.get(0).get("event").get("type").asString()).isEqualTo("Start");
    // a topic other than the protocol's reply topic is stored; the reply topic itself is left
    // out and the view puts it back for a row with a partition and no topic
    assertThat(rows.subList(1, rows.size()))
        .extracting(LogRow::kafkaTopic)
        .containsOnly(replyTopic);
    assertThat(viewed)
        .extracting(LogEntryRow::kafkaTopic)
        .isEqualTo(entries.stream().map(LogEntryRow::kafkaTopic).toList());
    JdbcClient jdbc = sec.bean(JdbcClient.class);
    jdbc.sql("UPDATE saga_log SET kafka_topic = NULL WHERE saga_id = :id AND seq > 1")
        .param("id", id)
        .update();
    assertThat(sec.bean(SagaLogDao.class).findEntriesBySaga(id))
        .filteredOn(e -> e.seq() > 1)
        .extracting(LogEntryRow::kafkaTopic)
        .containsOnly(Topics.DEFAULT_REPLY_TOPIC);
    assertThat(sec.bean(SagaLogDao.class).findEntriesBySaga(id))
        .filteredOn(e -> e.seq() == 1)
        .extracting(LogEntryRow::kafkaTopic)
        .containsOnlyNulls();
    assertReplayReproducesStoredState(id);
  }

  @Test
  void storesStepsCompactlyAndShowsThemInFull() throws Exception {
    UUID id = startTrip(TestData.ok());
    awaitStatus(id, "COMPLETED");

    SagaRow row = sec.bean(SagaInstanceDao.class).find(id).orElseThrow();
    JsonNode stored = json.readTree(row.stepsJson());
    // each step the bare number of its finish offset: no name (the definition's step at that
    // position), status SUCCEEDED, attempt 1 and no start: each step started when the one before
    // finished, the first when the saga was created
    assertThat(stored).hasSize(TestSagas.TRIP_STEPS.size()).allMatch(JsonNode::isIntegralNumber);
    assertThat(
            sec.bean(JdbcClient.class)
                .sql("SELECT pg_column_size(steps) FROM saga_instance WHERE id = :id")
                .param("id", id)
                .query(Integer.class)
                .single())
        .isLessThan(80);
    JsonNode shown = json.readTree(get("/api/sagas/" + id).body()).get("steps");
    Instant previousFinish = row.createdAt();
    for (int i = 0; i < stored.size(); i++) {
      Instant finished = row.createdAt().plus(stored.get(i).asLong(), ChronoUnit.MICROS);
      assertThat(shown.get(i).get("step").asString()).isEqualTo(TestSagas.TRIP_STEPS.get(i));
      assertThat(shown.get(i).get("status").asString()).isEqualTo("SUCCEEDED");
      assertThat(Instant.parse(shown.get(i).get("startedAt").asString())).isEqualTo(previousFinish);
      assertThat(Instant.parse(shown.get(i).get("finishedAt").asString())).isEqualTo(finished);
      assertThat(shown.get(i).get("forwardAttempt").asInt()).isEqualTo(1);
      previousFinish = finished;
    }
    assertThat(sec.bean(SagaCoordinator.class).find(id).orElseThrow().steps())
        .allSatisfy(
            s ->
                assertThat(
                        s.has("step")
                            && s.has("status")
                            && s.has("startedAt")
                            && s.has("finishedAt")
                            && s.has("forwardAttempt"))
                    .isTrue());
    // the fingerprint is stored as bytes and read as the hex digits
    assertThat(row.fingerprint())
        .isEqualTo(
            sec.bean(DefinitionRegistry.class)
                .find(TestSagas.TRIP, row.definitionVersion())
                .orElseThrow()
                .fingerprint());
  }

  @Test
  void stepUpdatesOfSagaInstanceAreHeapOnlyTupleUpdates() {
    long hotBefore = hotUpdatesOfSagaInstance();

    UUID id = startTrip(TestData.ok());
    awaitStatus(id, "COMPLETED");

    // statistics reach pg_stat_user_tables when each backend flushes them (at most about 10 s
    // after it went idle)
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertThat(hotUpdatesOfSagaInstance()).isGreaterThan(hotBefore));
    assertThat(
            sec.bean(JdbcClient.class)
                .sql(
                    "SELECT finished_at IS NOT NULL AND updated_at IS NULL FROM saga_instance"
                        + " WHERE id = :id")
                .param("id", id)
                .query(Boolean.class)
                .single())
        .as("finished_at set by the terminal transition, updated_at left out as equal")
        .isTrue();
    SagaRow row = sec.bean(SagaInstanceDao.class).find(id).orElseThrow();
    assertThat(row.updatedAt())
        .isEqualTo(
            sec.bean(JdbcClient.class)
                .sql("SELECT finished_at FROM saga_instance WHERE id = :id")
                .param("id", id)
                .query(java.sql.Timestamp.class)
                .single()
                .toInstant());
  }

  @Test
  void queueVacuumGivesTheSpaceOfDeletedQueueRowsBack() {
    JdbcClient jdbc = JdbcClient.create(db.dataSource());
    // 5,000 outbox rows written and deleted again (in one transaction, so the relay never sees
    // them): dead versions at the end of the table
    sec.bean(org.springframework.transaction.support.TransactionTemplate.class)
        .executeWithoutResult(
            s -> {
              jdbc.sql(
                      "INSERT INTO saga_outbox (saga_id, topic, message_key, headers, payload,"
                          + " created_at) SELECT gen_random_uuid(), 'vacuum-test', 'k', '{}',"
                          + " repeat('x', 200), now() FROM generate_series(1, 5000)")
                  .update();
              jdbc.sql("DELETE FROM saga_outbox WHERE topic = 'vacuum-test'").update();
            });
    long before = relationSize(jdbc, "saga_outbox");

    sec.bean(QueueVacuum.class).vacuum(false);
    assertThat(relationSize(jdbc, "saga_outbox"))
        .as("a vacuum that does not cut leaves the emptied pages in the table, for reuse")
        .isGreaterThanOrEqualTo(before);

    sec.bean(QueueVacuum.class).vacuum(true);
    assertThat(relationSize(jdbc, "saga_outbox")).isLessThan(before - 500_000);
  }

  private JsonNode tree(String text) {
    return text == null ? null : json.readTree(text);
  }

  private static long relationSize(JdbcClient jdbc, String table) {
    return jdbc.sql("SELECT pg_relation_size(CAST(:t AS regclass))")
        .param("t", table)
        .query(Long.class)
        .single();
  }

  private long hotUpdatesOfSagaInstance() {
    JdbcClient jdbc = JdbcClient.create(db.dataSource());
    return jdbc.sql(
            "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'saga_instance'"
                + " AND schemaname = current_schema()")
        .query(Long.class)
        .single();
  }

  @Test
  void compensatesCompletedStepsInReverseOrderExactlyOnceWhenStepKFails() {
    Map<Integer, UUID> sagas = new HashMap<>();
    for (int k = 1; k <= 4; k++) {
      sagas.put(k, startTrip(TestData.of("fail", "s" + k)));
    }
    for (int k = 1; k <= 4; k++) {
      UUID id = sagas.get(k);
      awaitStatus(id, "COMPENSATED");
      List<String> expected = new ArrayList<>(TestSagas.TRIP_STEPS.subList(0, k - 1));
      Collections.reverse(expected);
      assertThat(compensations(id)).extracting(Received::step).as("k=%d", k).isEqualTo(expected);
      assertThat(forward(id)).extracting(Received::step).last().isEqualTo("s" + k);
      assertReplayReproducesStoredState(id);
    }
  }

  @Test
  void retriesATechnicalFailureThenSucceeds() {
    UUID id = startTrip(TestData.of("tech", "s2"));

    awaitStatus(id, "COMPLETED");

    assertThat(forward(id))
        .filteredOn(r -> r.step().equals("s2"))
        .extracting(Received::attempt)
        .containsExactly(1, 2);
    assertReplayReproducesStoredState(id);
  }

  @Test
  void compensatesWhenAStepNeverAnswers() {
    UUID id = startTrip(TestData.of("silent", "s2"));

    // each of the 3 attempts of s2 times out when the clock passes its 2 s
    for (int attempt = 1; attempt <= 3; attempt++) {
      int sent = attempt;
      kit.awaitWithBackOffs(
          () -> forward(id).stream().filter(r -> r.step().equals("s2")).count() >= sent);
      kit.advanceAndRun(Duration.ofSeconds(2));
    }
    awaitStatus(id, "COMPENSATED");

    assertThat(forward(id))
        .filteredOn(r -> r.step().equals("s2"))
        .extracting(Received::attempt)
        .containsExactly(1, 2, 3);
    // a timed-out step may have taken effect, so it is compensated too
    assertThat(compensations(id)).extracting(Received::step).containsExactly("s2", "s1");
    assertReplayReproducesStoredState(id);
  }

  @Test
  void compensatesWhenTheDeadlinePassesBeforeThePivot() {
    UUID id =
        coordinator
            .start(TestSagas.DEADLINE, UUID.randomUUID().toString(), TestData.of("silent", "s1"))
            .sagaId();
    await().atMost(WAIT).until(() -> !forward(id).isEmpty());
    assertThat(coordinator.find(id).orElseThrow().status()).isEqualTo("RUNNING");

    // the 1 s deadline passes while s1 is silent: compensation waits for s1's attempt to end
    kit.advanceAndRun(Duration.ofSeconds(1));
    awaitStatus(id, "COMPENSATING");
    // its 30 s timeout passes: s1 may have taken effect, so it is compensated
    kit.advanceAndRun(Duration.ofSeconds(30));
    awaitStatus(id, "COMPENSATED");

    assertThat(forward(id)).extracting(Received::step).containsOnly("s1");
    assertThat(log(id))
        .extracting(LogRow::eventJson)
        .anyMatch(e -> e != null && e.contains("DEADLINE"));
    assertReplayReproducesStoredState(id);
  }

  @Test
  void ignoresADuplicateReply() {
    UUID id = startTrip(TestData.of("dup", "s2"));

    awaitStatus(id, "COMPLETED");

    assertThat(log(id))
        .filteredOn(r -> "STEP_SUCCEEDED".equals(r.type()) && "s2".equals(r.step()))
        .hasSize(1);
    assertThat(quarantinedFor(id)).isEmpty();
    assertReplayReproducesStoredState(id);
  }

  @Test
  void aLateSuccessOfAnEarlierAttemptSettlesTheStepAndTheLaterAnswerIsIgnored() {
    // attempt 1 fails technically; while attempt 2 is in flight a success of attempt 1 arrives,
    // then attempt 2's own answer
    UUID id = startTrip(TestData.of("stale", "s3"));

    awaitStatus(id, "COMPLETED");

    assertThat(forward(id))
        .filteredOn(r -> r.step().equals("s3"))
        .extracting(Received::attempt)
        .containsExactly(1, 2);
    assertThat(log(id))
        .filteredOn(r -> "STEP_SUCCEEDED".equals(r.type()) && "s3".equals(r.step()))
        .hasSize(1)
        .allMatch(r -> r.attempt() == 1);
    assertThat(quarantinedFor(id)).isEmpty();
    assertReplayReproducesStoredState(id);
  }

  @Test
  void quarantinesMalformedRepliesWhileOtherSagasContinue() {
    UUID unknownSaga = UUID.randomUUID();
    List<UUID> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      others.add(startTrip(TestData.ok()));
    }
    participants.send(replyTopic, "x", Map.of(), "garbage without headers");
    participants.send(
        replyTopic, unknownSaga.toString(), replyHeaders(unknownSaga, "s1"), "{\"a\":");
    participants.send(replyTopic, unknownSaga.toString(), replyHeaders(unknownSaga, "s1"), "{}");
    participants.send(
        replyTopic,
        unknownSaga.toString(),
        replyHeaders(unknownSaga, "s1"),
        "\"" + "x".repeat(20_000) + "\"");

    others.forEach(id -> awaitStatus(id, "COMPLETED"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(sec.bean(QuarantineDao.class).findAll())
                    .extracting(QuarantineDao.Quarantined::reason)
                    .anyMatch(r -> r.contains("missing header"))
                    .anyMatch(r -> r.contains("not valid JSON"))
                    .anyMatch(r -> r.contains("unknown saga " + unknownSaga))
                    .anyMatch(r -> r.contains("exceeds the limit")));
    assertThat(sec.bean(MeterRegistry.class).counter("sec.replies.quarantined").count())
        .isGreaterThanOrEqualTo(4);
  }

  @Test
  void aThrowingReplyHandlerFailsOnlyItsSaga() {
    UUID failing = startTrip(TestData.of("throw", "s1"));
    UUID healthy = startTrip(TestData.ok());

    SagaView failed = awaitStatus(failing, "FAILED");
    awaitStatus(healthy, "COMPLETED");

    assertThat(failed.statusReason()).isNotBlank();
    assertThat(log(failing))
        .anyMatch(r -> r.detailJson() != null && r.detailJson().contains("exploded on purpose"));
    assertReplayReproducesStoredState(failing);
  }

  @Test
  void startIsIdempotentPerKeyAndRejectsBadRequestsWithoutWritingAnything() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = "{\"scenario\":\"ok\",\"failAt\":null,\"failTimes\":0,\"note\":null}";
    String reordered = "{\"note\":null, \"failTimes\":0, \"failAt\":null, \"scenario\":\"ok\"}";

    HttpResponse<String> first = post(TestSagas.TRIP, key, body);
    HttpResponse<String> again = post(TestSagas.TRIP, key, reordered);
    HttpResponse<String> other = post(TestSagas.TRIP, key, body.replace("ok", "fail"));

    assertThat(first.statusCode()).isEqualTo(201);
    // the key determines the saga's id
    assertThat(sagaId(first)).isEqualTo(SagaIds.ofStart(TestSagas.TRIP, key));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(sagaId(again)).isEqualTo(sagaId(first));
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(other.body()).contains(sagaId(first).toString());
    assertThat(other.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    awaitStatus(sagaId(first), "COMPLETED");

    long sagasBefore = count("saga_instance");
    HttpResponse<String> unknown = post("no-such-saga", UUID.randomUUID().toString(), body);
    HttpResponse<String> notJson =
        post(TestSagas.TRIP, UUID.randomUUID().toString(), "{\"scenario\":");
    HttpResponse<String> wrongShape =
        post(TestSagas.TRIP, UUID.randomUUID().toString(), "{\"failTimes\":\"many\"}");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json.readTree(unknown.body()).get("title").asString())
        .isEqualTo("Unknown saga type");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(wrongShape.statusCode()).isEqualTo(400);
    assertThat(wrongShape.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(count("saga_instance")).isEqualTo(sagasBefore);

    HttpResponse<String> read =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri("/api/sagas/" + sagaId(first)))
                    .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json.readTree(read.body()).get("status").asString()).isEqualTo("COMPLETED");
  }

  @Test
  void aCompensationThatExhaustsItsRetriesLeavesTheSagaFailedAndCounted() {
    double failedBefore = failedCount();
    UUID id = startTrip(TestData.of("badundo", "s2"));

    SagaView saga = awaitStatus(id, "FAILED");

    assertThat(saga.statusReason()).isNotBlank();
    assertThat(compensations(id))
        .extracting(Received::step)
        .containsOnly("s1")
        .hasSizeGreaterThan(1);
    await().atMost(WAIT).until(() -> failedCount() > failedBefore);
    assertReplayReproducesStoredState(id);
  }

  @Test
  void purgeDeletesFinishedSagasWithTheirLogButKeepsFailedOnes() {
    UUID done = startTrip(TestData.ok());
    UUID failed = startTrip(TestData.of("throw", "s1"));
    awaitStatus(done, "COMPLETED");
    awaitStatus(failed, "FAILED");

    int purged =
        sec.bean(SagaInstanceDao.class)
            .purgeFinished(
                List.of("COMPLETED", "COMPENSATED"), kit.clock().instant().plusSeconds(60), 10_000);

    assertThat(purged).isGreaterThanOrEqualTo(1);
    assertThat(coordinator.find(done)).isEmpty();
    assertThat(log(done)).isEmpty();
    assertThat(coordinator.find(failed)).isPresent();
    assertThat(log(failed)).isNotEmpty();
  }

  private double failedCount() {
    return sec.bean(MeterRegistry.class)
        .counter("sec.sagas.failed", "type", TestSagas.TRIP)
        .count();
  }

  @Test
  void exposesSagaMetricsOnPrometheusAndKafkaAndDatabaseHealth() throws Exception {
    awaitStatus(startTrip(TestData.ok()), "COMPLETED");

    HttpResponse<String> prometheus = get("/actuator/prometheus");
    HttpResponse<String> health = get("/actuator/health");
    HttpResponse<String> noKey =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri("/api/sagas/" + TestSagas.TRIP))
                    .header("Content-Type", "application/json")
                    .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(prometheus.body())
        .contains("sec_sagas_started_sagas_total")
        .contains("sec_sagas_completed_sagas_total")
        .contains("sec_step_latency_seconds")
        .contains("sec_outbox_backlog_rows");
    JsonNode components = json.readTree(health.body()).get("components");
    assertThat(components.get("kafka").get("status").asString()).isEqualTo("UP");
    assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
    assertThat(noKey.statusCode()).isEqualTo(400);
  }

  // --- helpers

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(uri(path))
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private UUID startTrip(TestData data) {
    return coordinator.start(TestSagas.TRIP, UUID.randomUUID().toString(), data).sagaId();
  }

  private SagaView awaitStatus(UUID id, String status) {
    return kit.awaitStatus(id, status);
  }

  private List<Received> forward(UUID id) {
    return participants.received(id).stream().filter(r -> r.phase() == Phase.FORWARD).toList();
  }

  private List<Received> compensations(UUID id) {
    return participants.received(id).stream().filter(r -> r.phase() == Phase.COMPENSATE).toList();
  }

  private List<LogRow> log(UUID id) {
    return sec.bean(SagaLogDao.class).findBySaga(id);
  }

  private List<QuarantineDao.Quarantined> quarantinedFor(UUID id) {
    return sec.bean(QuarantineDao.class).findAll().stream()
        .filter(q -> id.equals(q.sagaId()))
        .toList();
  }

  private void assertReplayReproducesStoredState(UUID id) {
    SagaRow row = sec.bean(SagaInstanceDao.class).find(id).orElseThrow();
    SagaState replayed =
        sec.bean(SagaReplayer.class).replay(id, row.sagaType(), row.definitionVersion());
    StateMapper mapper = sec.bean(StateMapper.class);
    assertThat(replayed.status().name()).isEqualTo(row.status());
    assertThat(replayed.statusReason()).isEqualTo(row.statusReason());
    assertThat(json.readTree(replayed.dataJson())).isEqualTo(json.readTree(row.dataJson()));
    assertThat(json.readTree(mapper.stepsJson(replayed))).isEqualTo(json.readTree(row.stepsJson()));
    assertThat(replayed.updatedAt()).isEqualTo(row.updatedAt());
    List<LogRow> log = log(id);
    for (int i = 0; i < log.size(); i++) {
      assertThat(log.get(i).seq()).as("contiguous log sequence").isEqualTo(i + 1);
    }
  }

  private Map<String, String> replyHeaders(UUID sagaId, String step) {
    Map<String, String> h = new HashMap<>();
    h.put(SagaHeaders.SAGA_ID, sagaId.toString());
    h.put(SagaHeaders.SAGA_TYPE, TestSagas.TRIP);
    h.put(SagaHeaders.STEP, step);
    h.put(SagaHeaders.PHASE, Phase.FORWARD.wireName());
    h.put(SagaHeaders.ATTEMPT, "1");
    h.put(SagaHeaders.COMMAND_ID, UUID.randomUUID().toString());
    h.put(SagaHeaders.MESSAGE_KIND, MessageKind.REPLY.wireName());
    h.put(SagaHeaders.OUTCOME, ReplyOutcome.SUCCESS.name());
    h.put(SagaHeaders.PARTICIPANT, "p-" + step);
    return h;
  }

  private long count(String table) {
    return sec.bean(JdbcClient.class)
        .sql("SELECT count(*) FROM " + table)
        .query(Long.class)
        .single();
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + sec.port() + path);
  }

  private HttpResponse<String> post(String type, String key, String body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(uri("/api/sagas/" + type))
                .header("Content-Type", "application/json")
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private UUID sagaId(HttpResponse<String> response) {
    JsonNode node = json.readTree(response.body());
    return UUID.fromString(node.get("sagaId").asString());
  }
}
