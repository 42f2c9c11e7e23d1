package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.internal.operator.OperatorActions;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.support.InstanceWriteBlock;
import io.sagacoord.server.support.OpenApiContract;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ways into a saga besides a single REST call: the Kafka start topic (batched, idempotent,
 * quarantining what cannot start), the bounded start queue that refuses with 503 instead of letting
 * an overload pile up, and the Java API joining the caller's transaction.
 */
class StartPathIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String OK_BODY =
      "{\"scenario\":\"ok\",\"failAt\":null,\"failTimes\":0,\"note\":null}";

  private final JsonMapper json = JsonMapper.builder().build();
  private final KafkaInfra kafka = SagaInfra.kafka();

  @Test
  void startTopicStartsEachKeyOnceAndQuarantinesWhatCannotStart() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    String startTopic = replyTopic + "-starts";
    List<String> topics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      topics.add(TestSagas.participant(step, suffix).commandTopic());
    }
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_starts");
        RunningCoordinator sec =
            RunningCoordinator.start(
                db, kafka, replyTopic, Map.of(), List.of(TestSagas.trip(suffix)));
        ScriptedParticipants participants =
            new ScriptedParticipants(
                kafka.consumerConfig("participants-" + suffix), kafka.producerConfig(), topics)) {
      String first = "k1-" + suffix;
      String second = "k2-" + suffix;
      String reordered = "{\"note\":null, \"failTimes\":0, \"failAt\":null, \"scenario\":\"ok\"}";
      participants.send(startTopic, first, start(TestSagas.TRIP, first), OK_BODY);
      participants.send(startTopic, first, start(TestSagas.TRIP, first), reordered);
      participants.send(
          startTopic, first, start(TestSagas.TRIP, first), OK_BODY.replace("ok", "fail"));
      participants.send(startTopic, "x", start("no-such-saga", "k3-" + suffix), OK_BODY);
      participants.send(startTopic, "x", Map.of(SagaHeaders.IDEMPOTENCY_KEY, "k4"), OK_BODY);
      participants.send(startTopic, "x", Map.of(SagaHeaders.SAGA_TYPE, TestSagas.TRIP), OK_BODY);
      participants.send(startTopic, "x", start(TestSagas.TRIP, "k5-" + suffix), "{\"scenario\":");
      participants.send(
          startTopic, "x", start(TestSagas.TRIP, "k6-" + suffix), "{\"failTimes\":\"many\"}");
      participants.send(
          startTopic,
          "x",
          start(TestSagas.TRIP, "k7-" + suffix),
          "{\"scenario\":\"ok\",\"note\":\"nul \\u0000 here\"}");
      participants.send(startTopic, "x", start(TestSagas.TRIP, "k9\u0000" + suffix), OK_BODY);
      participants.send(
          startTopic,
          "x",
          start(TestSagas.TRIP, "k10-" + suffix),
          "{\"scenario\":\"ok\",\"note\":\"\\ud800\"}");
      participants.send(
          startTopic,
          "x",
          start(TestSagas.TRIP, "k11-" + suffix),
          "{\"scenario\":\"ok\",\"note\":1e1000000}");
      participants.send(startTopic, second, start(TestSagas.TRIP, second), OK_BODY);

      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      await()
          .atMost(WAIT)
          .until(
              () ->
                  jdbc.sql("SELECT count(*) FROM saga_instance WHERE status = 'COMPLETED'")
                      .query(Long.class)
                      .single(),
              n -> n == 2);
      await().atMost(WAIT).until(() -> quarantined(sec, startTopic).size(), n -> n == 10);

      assertThat(jdbc.sql("SELECT count(*) FROM saga_instance").query(Long.class).single())
          .isEqualTo(2);
      // the key is the saga's id
      assertThat(jdbc.sql("SELECT id FROM saga_instance").query(UUID.class).list())
          .containsExactlyInAnyOrder(
              SagaIds.ofStart(TestSagas.TRIP, first), SagaIds.ofStart(TestSagas.TRIP, second));
      assertThat(quarantined(sec, startTopic))
          .extracting(QuarantineDao.Quarantined::reason)
          .anySatisfy(
              r ->
                  assertThat(r)
                      .contains("idempotency key")
                      .contains(first)
                      .contains(SagaIds.ofStart(TestSagas.TRIP, first).toString()))
          .anySatisfy(r -> assertThat(r).contains("no-such-saga"))
          .anySatisfy(r -> assertThat(r).contains(SagaHeaders.SAGA_TYPE + " is missing"))
          .anySatisfy(r -> assertThat(r).contains(SagaHeaders.IDEMPOTENCY_KEY + " is missing"))
          .anySatisfy(r -> assertThat(r).contains("not valid JSON"))
          .anySatisfy(r -> assertThat(r).contains("$.note contains the NUL character (\\u0000)"))
          .anySatisfy(r -> assertThat(r).contains("idempotencyKey contains the NUL character"))
          .anySatisfy(r -> assertThat(r).contains("$.note contains an unpaired surrogate"))
          .anySatisfy(r -> assertThat(r).contains("$.note is a number beyond"));
      assertThat(quarantined(sec, startTopic)).allSatisfy(q -> assertThat(q.sagaId()).isNull());

      // redelivery starts a quarantined start message again; what still cannot start goes back
      OperatorActions actions = sec.bean(OperatorActions.class);
      QuarantineDao.Quarantined notJson =
          quarantined(sec, startTopic).stream()
              .filter(q -> q.reason().contains("not valid JSON"))
              .findFirst()
              .orElseThrow();
      OperatorActions.Redelivered again = actions.redeliver(notJson.id(), "test-operator", "retry");
      assertThat(again.outcome()).isEqualTo("QUARANTINED_AGAIN");
      assertThat(again.reason()).contains("not valid JSON");
      String later = "k8-" + suffix;
      sec.bean(QuarantineDao.class)
          .insert(
              "the database was down (simulated)",
              null,
              startTopic,
              0,
              999_999,
              start(TestSagas.TRIP, later),
              OK_BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              java.time.Instant.now());
      long laterId =
          quarantined(sec, startTopic).stream()
              .filter(q -> q.offset() == 999_999)
              .findFirst()
              .orElseThrow()
              .id();
      assertThat(actions.redeliver(laterId, "test-operator", "database back").outcome())
          .isEqualTo("APPLIED");
      await()
          .atMost(WAIT)
          .until(
              () ->
                  jdbc.sql("SELECT status FROM saga_instance WHERE id = :id")
                      .param("id", SagaIds.ofStart(TestSagas.TRIP, later))
                      .query(String.class)
                      .optional(),
              status -> status.filter("COMPLETED"::equals).isPresent());
    }
  }

  @Test
  void aFullStartQueueRefusesWith503AndRetryAfterAndWritesNothingForTheRefused() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_busy");
        RunningCoordinator sec =
            RunningCoordinator.start(
                db,
                kafka,
                replyTopic,
                Map.of("sec.starts.max-pending", "2", "sec.starts.writers", "1"),
                List.of(TestSagas.trip(suffix)))) {
      HttpClient http = HttpClient.newHttpClient();
      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
      List<HttpResponse<String>> refused = new ArrayList<>();
      // keep writers out of the instance table: the one writer blocks on its first batch
      try (InstanceWriteBlock blocker = InstanceWriteBlock.hold(db)) {
        accepted.add(postAsync(http, sec, "a0-" + suffix));
        await().atMost(WAIT).until(() -> InstanceWriteBlock.waiting(jdbc), n -> n == 1);
        accepted.add(postAsync(http, sec, "a1-" + suffix));
        accepted.add(postAsync(http, sec, "a2-" + suffix));
        await()
            .atMost(WAIT)
            .until(
                () ->
                    sec.bean(io.micrometer.core.instrument.MeterRegistry.class)
                        .get("sec.starts.pending")
                        .gauge()
                        .value(),
                v -> v == 2.0);
        for (int i = 0; i < 3; i++) {
          refused.add(postAsync(http, sec, "r" + i + "-" + suffix).get());
        }
        blocker.release();
      }

      for (HttpResponse<String> r : refused) {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.headers().firstValue("Content-Type"))
            .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(json.readTree(r.body()).get("title").asString()).isEqualTo("Coordinator busy");
      }
      for (CompletableFuture<HttpResponse<String>> f : accepted) {
        assertThat(f.get().statusCode()).isEqualTo(201);
      }
      assertThat(jdbc.sql("SELECT id FROM saga_instance").query(UUID.class).list())
          .containsExactlyInAnyOrder(
              SagaIds.ofStart(TestSagas.TRIP, "a0-" + suffix),
              SagaIds.ofStart(TestSagas.TRIP, "a1-" + suffix),
              SagaIds.ofStart(TestSagas.TRIP, "a2-" + suffix));
    }
  }

  @Test
  void aJavaStartInsideTheCallersTransactionRollsBackWithIt() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_tx");
        RunningCoordinator sec =
            RunningCoordinator.start(
                db, kafka, replyTopic, Map.of(), List.of(TestSagas.trip(suffix)))) {
      SagaCoordinator coordinator = sec.bean(SagaCoordinator.class);
      TransactionTemplate tx = sec.bean(TransactionTemplate.class);

      assertThatThrownBy(
              () ->
                  tx.executeWithoutResult(
                      status -> {
                        coordinator.start(TestSagas.TRIP, "rolled-back", TestData.ok());
                        throw new IllegalStateException("the caller's own work failed");
                      }))
          .hasMessageContaining("the caller's own work failed");
      StartResult kept =
          tx.execute(status -> coordinator.start(TestSagas.TRIP, "committed", TestData.ok()));

      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      assertThat(jdbc.sql("SELECT id FROM saga_instance").query(UUID.class).list())
          .containsExactly(SagaIds.ofStart(TestSagas.TRIP, "committed"));
      assertThat(kept)
          .isEqualTo(new StartResult(SagaIds.ofStart(TestSagas.TRIP, "committed"), true));
      assertThat(coordinator.find(kept.sagaId())).isPresent();
      // the key again in a transaction: the same saga; with other data: the conflict
      StartResult again =
          tx.execute(status -> coordinator.start(TestSagas.TRIP, "committed", TestData.ok()));
      assertThat(again).isEqualTo(new StartResult(kept.sagaId(), false));
      assertThatThrownBy(
              () ->
                  tx.execute(
                      status ->
                          coordinator.start(
                              TestSagas.TRIP, "committed", TestData.of("fail", "s1"))))
          .isInstanceOfSatisfying(
              IdempotencyKeyConflictException.class,
              e -> assertThat(e.existingSagaId()).isEqualTo(kept.sagaId()));
      // the rolled back start left nothing behind: its key starts a saga now
      assertThat(coordinator.start(TestSagas.TRIP, "rolled-back", TestData.ok()).created())
          .isTrue();
    }
  }

  private static Map<String, String> start(String type, String key) {
    Map<String, String> headers = new HashMap<>();
    headers.put(SagaHeaders.SAGA_TYPE, type);
    headers.put(SagaHeaders.IDEMPOTENCY_KEY, key);
    return headers;
  }

  private static List<QuarantineDao.Quarantined> quarantined(RunningCoordinator sec, String topic) {
    return sec.bean(QuarantineDao.class).findAll().stream()
        .filter(q -> q.topic().equals(topic))
        .toList();
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(
      HttpClient http, RunningCoordinator sec, String key) {
    return http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + sec.port() + "/api/sagas/" + TestSagas.TRIP))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(OK_BODY))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              // 201 and 503 with Retry-After alike keep the contract
              OpenApiContract.check("POST", "/api/sagas/" + TestSagas.TRIP, r);
              return r;
            });
  }
}
