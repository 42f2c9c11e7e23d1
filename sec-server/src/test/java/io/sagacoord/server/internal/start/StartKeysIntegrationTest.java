package io.sagacoord.server.internal.start;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.internal.ops.RetentionPurger;
import io.sagacoord.server.support.InstanceWriteBlock;
import io.sagacoord.server.support.RunningCoordinator;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * A saga started with an idempotency key has the id the key determines ({@link SagaIds#ofStart}),
 * and that id is the start's only record: the same key again, in one batch, in the next batch, from
 * another writer at the same moment or through REST, finds the saga; other data is a conflict; the
 * same key in another saga type is another saga. Once the retention purge has removed a saga, its
 * key starts a new one with the same id.
 */
class StartKeysIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String OK_BODY =
      "{\"scenario\":\"ok\",\"failAt\":null,\"failTimes\":0,\"note\":null}";
  private static final String REORDERED =
      "{\"note\":null, \"failTimes\":0,\n \"failAt\":null, \"scenario\":\"ok\"}";
  private static final String OTHER_BODY = OK_BODY.replace("ok", "fail");

  private final KafkaInfra kafka = SagaInfra.kafka();
  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void aKeyStartsOneSagaWithItsIdInOneBatchInTheNextOnesAndFromTwoWritersAtOnce() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_keys");
        RunningCoordinator sec =
            RunningCoordinator.start(
                db,
                kafka,
                replyTopic,
                Map.of(),
                List.of(TestSagas.trip(suffix), TestSagas.deadline(suffix)))) {
      CoordinatorService coordinator = sec.bean(CoordinatorService.class);
      StartBatcher batcher = sec.bean(StartBatcher.class);
      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      String key = "same-" + suffix;
      String other = "other-" + suffix;
      UUID id = SagaIds.ofStart(TestSagas.TRIP, key);
      double startedBefore = started(sec, TestSagas.TRIP);

      // one batch: the key three times (the same data formatted otherwise, then other data),
      // another key, and the key in another saga type
      List<StartBatcher.Job> batch =
          List.of(
              coordinator.prepare(TestSagas.TRIP, key, OK_BODY),
              coordinator.prepare(TestSagas.TRIP, key, REORDERED),
              coordinator.prepare(TestSagas.TRIP, key, OTHER_BODY),
              coordinator.prepare(TestSagas.TRIP, other, OK_BODY),
              coordinator.prepare(TestSagas.DEADLINE, key, OK_BODY));
      batcher.write(batch);

      assertThat(batch.get(0).result().get()).isEqualTo(new StartResult(id, true));
      assertThat(batch.get(1).result().get()).isEqualTo(new StartResult(id, false));
      assertConflict(batch.get(2).result(), key, id);
      assertThat(batch.get(3).result().get())
          .isEqualTo(new StartResult(SagaIds.ofStart(TestSagas.TRIP, other), true));
      UUID otherType = SagaIds.ofStart(TestSagas.DEADLINE, key);
      assertThat(otherType).isNotEqualTo(id);
      assertThat(batch.get(4).result().get()).isEqualTo(new StartResult(otherType, true));

      // the next batches: the same saga, or the conflict
      List<StartBatcher.Job> next =
          List.of(
              coordinator.prepare(TestSagas.TRIP, key, REORDERED),
              coordinator.prepare(TestSagas.TRIP, key, OTHER_BODY));
      batcher.write(next);
      assertThat(next.get(0).result().get()).isEqualTo(new StartResult(id, false));
      assertConflict(next.get(1).result(), key, id);
      HttpResponse<String> again = post(sec, TestSagas.TRIP, key, REORDERED);
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(json.readTree(again.body()).get("sagaId").asString()).isEqualTo(id.toString());
      assertThat(json.readTree(again.body()).get("created").asBoolean()).isFalse();
      HttpResponse<String> conflict = post(sec, TestSagas.TRIP, key, OTHER_BODY);
      assertThat(conflict.statusCode()).isEqualTo(409);
      assertThat(conflict.body()).contains(id.toString());

      // two writers with the same new key at the same moment: the second insert waits for the
      // first and then finds its saga
      String raced = "raced-" + suffix;
      UUID racedId = SagaIds.ofStart(TestSagas.TRIP, raced);
      StartBatcher.Job first = coordinator.prepare(TestSagas.TRIP, raced, OK_BODY);
      StartBatcher.Job second = coordinator.prepare(TestSagas.TRIP, raced, REORDERED);
      try (InstanceWriteBlock blocker = InstanceWriteBlock.hold(db)) {
        CompletableFuture<Void> one =
            CompletableFuture.runAsync(() -> batcher.write(List.of(first)));
        CompletableFuture<Void> two =
            CompletableFuture.runAsync(() -> batcher.write(List.of(second)));
        await().atMost(WAIT).until(() -> InstanceWriteBlock.waiting(jdbc), n -> n == 2);
        blocker.release();
        one.get();
        two.get();
      }
      assertThat(List.of(first.result().get(), second.result().get()))
          .extracting(StartResult::sagaId)
          .containsOnly(racedId);
      assertThat(List.of(first.result().get(), second.result().get()))
          .extracting(StartResult::created)
          .containsExactlyInAnyOrder(true, false);

      // one saga, one start row in its log and one "started" per key
      assertThat(jdbc.sql("SELECT id FROM saga_instance").query(UUID.class).list())
          .containsExactlyInAnyOrder(
              id, SagaIds.ofStart(TestSagas.TRIP, other), otherType, racedId);
      for (UUID saga : List.of(id, racedId)) {
        assertThat(
                jdbc.sql("SELECT count(*) FROM saga_log WHERE saga_id = :id AND seq = 1")
                    .param("id", saga)
                    .query(Long.class)
                    .single())
            .isEqualTo(1);
      }
      await().atMost(WAIT).until(() -> started(sec, TestSagas.TRIP) - startedBefore, n -> n >= 3);
      assertThat(started(sec, TestSagas.TRIP) - startedBefore).isEqualTo(3.0);
    }
  }

  @Test
  void theJavaApiInTheCallersTransactionFindsTheSagaAndAPurgedSagasKeyStartsItAgain()
      throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_purged_keys");
        RunningCoordinator sec =
            RunningCoordinator.start(
                db, kafka, replyTopic, Map.of(), List.of(TestSagas.trip(suffix)))) {
      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      SagaCoordinator api = sec.bean(SagaCoordinator.class);
      TransactionTemplate tx = sec.bean(TransactionTemplate.class);
      String key = "kept-" + suffix;
      UUID id = SagaIds.ofStart(TestSagas.TRIP, key);

      StartResult first = tx.execute(status -> api.start(TestSagas.TRIP, key, TestData.ok()));
      StartResult again = tx.execute(status -> api.start(TestSagas.TRIP, key, TestData.ok()));
      assertThat(first).isEqualTo(new StartResult(id, true));
      assertThat(again).isEqualTo(new StartResult(id, false));
      HttpResponse<String> conflict = post(sec, TestSagas.TRIP, key, OTHER_BODY);
      assertThat(conflict.statusCode()).isEqualTo(409);
      assertThat(conflict.body()).contains(id.toString());

      // the saga finished longer ago than the retention: the purge removes it, and its key starts
      // a new saga with the id the key determines
      jdbc.sql(
              """
              UPDATE saga_instance SET status = 'COMPLETED', finished_at = :finished,
                  updated_at = NULL
              WHERE id = :id
              """)
          .param("id", id)
          .param("finished", java.sql.Timestamp.from(Instant.now().minus(Duration.ofDays(40))))
          .update();
      assertThat(sec.bean(RetentionPurger.class).purge()).isEqualTo(1);
      assertThat(count(jdbc, id)).isZero();
      assertThat(api.start(TestSagas.TRIP, key, TestData.ok()))
          .isEqualTo(new StartResult(id, true));
      assertThat(count(jdbc, id)).isEqualTo(1);
    }
  }

  private static void assertConflict(
      CompletableFuture<StartResult> result, String key, UUID existing) {
    assertThat(result).isCompletedExceptionally();
    try {
      result.get();
    } catch (ExecutionException e) {
      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              IdempotencyKeyConflictException.class,
              c -> {
                assertThat(c.existingSagaId()).isEqualTo(existing);
                assertThat(c.idempotencyKey()).isEqualTo(key);
              });
      return;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("no conflict");
  }

  private static long count(JdbcClient jdbc, UUID id) {
    return jdbc.sql("SELECT count(*) FROM saga_instance WHERE id = :id")
        .param("id", id)
        .query(Long.class)
        .single();
  }

  private static double started(RunningCoordinator sec, String type) {
    return sec.bean(MeterRegistry.class).counter("sec.sagas.started", "type", type).count();
  }

  private static HttpResponse<String> post(
      RunningCoordinator sec, String type, String key, String body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + sec.port() + "/api/sagas/" + type))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
