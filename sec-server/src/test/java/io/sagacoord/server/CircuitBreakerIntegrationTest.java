package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.server.internal.circuit.CircuitSync;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import io.sagacoord.server.internal.pipeline.SagaReplayer;
import io.sagacoord.server.internal.pipeline.StateMapper;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.support.OpenApiContract;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestClock;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The circuit breaker of a participant, on two coordinators sharing one database and Kafka: a
 * participant that answers every command with a technical failure gets its circuit opened; from
 * then on no command reaches its topic, starts that need it first are refused with 503 and write
 * nothing, and sagas that reach it wait (their deadline still ends them in compensation). Healed,
 * the circuit half-opens after its reset timeout, trial commands pass, it closes on both
 * coordinators, and the waiting sagas still within their deadline complete. The clock only moves
 * when the test moves it.
 */
class CircuitBreakerIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration WAIT_IN_OPEN = Duration.ofMinutes(10);
  private static final String SHORT = "circuit-short";
  private static final String LONG = "circuit-long";
  private static final String DIRECT = "circuit-direct";

  private final TestClock clock = new TestClock(Instant.now());
  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();

  private static SagaDefinition<TestData> twoSteps(String type, Duration deadline, String suffix) {
    return SagaDefinition.named(type, TestData.class)
        .deadline(deadline)
        .defaultTimeout(Duration.ofHours(1))
        .defaultRetry(RetryPolicy.none())
        .step("s1")
        .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
        .compensateWith("s1.undo", d -> d)
        .step("s2")
        .invoke(TestSagas.participant("s2", suffix), "s2.do", d -> d)
        .compensateWith("s2.undo", d -> d)
        .build();
  }

  private static SagaDefinition<TestData> direct(String suffix) {
    return SagaDefinition.named(DIRECT, TestData.class)
        .defaultTimeout(Duration.ofHours(1))
        .step("s2")
        .invoke(TestSagas.participant("s2", suffix), "s2.do", d -> d)
        .compensateWith("s2.undo", d -> d)
        .build();
  }

  @Test
  void anOpenCircuitHoldsCommandsRefusesStartsAndLetsWaitingSagasGoOnceHealed() throws Exception {
    KafkaInfra kafka = SagaInfra.kafka();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    kafka.createTopic(replyTopic, 2);
    String s1Topic = TestSagas.participant("s1", suffix).commandTopic();
    String s2Topic = TestSagas.participant("s2", suffix).commandTopic();
    kafka.createTopic(s1Topic, 2);
    kafka.createTopic(s2Topic, 2);
    List<SagaDefinition<?>> definitions =
        List.of(
            twoSteps(SHORT, Duration.ofMinutes(2), suffix),
            twoSteps(LONG, Duration.ofMinutes(30), suffix),
            direct(suffix));
    Map<String, Object> circuit = new HashMap<>();
    circuit.put("sec.circuit.minimum-calls", "4");
    circuit.put("sec.circuit.sliding-window-size", "4");
    circuit.put("sec.circuit.failure-rate-threshold", "50");
    circuit.put("sec.circuit.wait-in-open", WAIT_IN_OPEN.toString());
    circuit.put("sec.circuit.permitted-calls-in-half-open", "1");
    circuit.put("sec.circuit.poll-interval", "100ms");
    Map<String, Object> a = new HashMap<>(circuit);
    a.put("sec.instance-id", "sec-circuit-a-" + suffix);
    Map<String, Object> b = new HashMap<>(circuit);
    b.put("sec.instance-id", "sec-circuit-b-" + suffix);

    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_circuit");
        RunningCoordinator secA =
            RunningCoordinator.start(
                db, kafka, replyTopic, a, definitions, Map.of("clock", clock));
        RunningCoordinator secB =
            RunningCoordinator.start(
                db, kafka, replyTopic, b, definitions, Map.of("clock", clock));
        ScriptedParticipants participants =
            new ScriptedParticipants(
                kafka.consumerConfig("participants-" + suffix),
                kafka.producerConfig(),
                List.of(s1Topic, s2Topic));
        KafkaConsumer<byte[], byte[]> counter = counter(kafka, suffix)) {
      JdbcClient jdbc = JdbcClient.create(db.dataSource());
      List<RunningCoordinator> both = List.of(secA, secB);

      // p-s2 is down: sagas fail at s2 and compensate, until a circuit opens on some coordinator
      participants.breakDown("s2");
      int failed = 0;
      while (both.stream().noneMatch(s -> state(s, "p-s2").equals("OPEN"))) {
        assertThat(failed).as("sagas failed at s2 before a circuit opened").isLessThan(40);
        RunningCoordinator via = both.get(failed % 2);
        UUID id =
            via.bean(SagaCoordinator.class).start(LONG, "fail-" + failed, TestData.ok()).sagaId();
        awaitStatus(via, id, "COMPENSATED");
        failed++;
      }
      // the other coordinator follows through the database
      for (RunningCoordinator s : both) {
        await().atMost(WAIT).until(() -> state(s, "p-s2").equals("OPEN"));
      }
      long recordsWhenOpened = records(counter, s2Topic);

      // a start whose first step needs p-s2 is refused on either coordinator, and nothing is
      // written
      for (RunningCoordinator s : both) {
        HttpResponse<String> refused = post(s, DIRECT, "direct-" + s.port());
        assertThat(refused.statusCode()).isEqualTo(503);
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, WAIT_IN_OPEN.toSeconds());
        assertThat(json.readTree(refused.body()).path("participant").asString()).isEqualTo("p-s2");
      }
      assertThat(
              count(jdbc, "SELECT count(*) FROM saga_instance WHERE saga_type = 'circuit-direct'"))
          .isZero();

      // sagas that reach s2 wait for p-s2 instead of sending to it
      UUID shortLived =
          secB.bean(SagaCoordinator.class).start(SHORT, "short", TestData.ok()).sagaId();
      UUID long1 = secA.bean(SagaCoordinator.class).start(LONG, "long-1", TestData.ok()).sagaId();
      UUID long2 = secB.bean(SagaCoordinator.class).start(LONG, "long-2", TestData.ok()).sagaId();
      for (UUID id : List.of(shortLived, long1, long2)) {
        await().atMost(WAIT).until(() -> logTypes(jdbc, id).contains("PARTICIPANT_UNAVAILABLE"));
      }
      assertThat(records(counter, s2Topic)).isEqualTo(recordsWhenOpened);

      // the short saga's deadline passes while it waits: it compensates
      clock.advance(Duration.ofMinutes(2).plusSeconds(1));
      awaitStatus(secA, shortLived, "COMPENSATED");
      assertThat(logTypes(jdbc, shortLived))
          .contains("PARTICIPANT_UNAVAILABLE", "DEADLINE_PASSED", "PARTICIPANT_WAIT_ENDED");
      assertThat(status(secA, long1)).isEqualTo("RUNNING");
      assertThat(status(secA, long2)).isEqualTo("RUNNING");
      assertThat(records(counter, s2Topic)).isEqualTo(recordsWhenOpened);

      // healed: after the reset timeout the circuits half-open, a trial passes, both close, and the
      // waiting sagas complete
      participants.heal("s2");
      clock.advance(WAIT_IN_OPEN);
      for (RunningCoordinator s : both) {
        await().atMost(WAIT).until(() -> state(s, "p-s2").equals("CLOSED"));
      }
      awaitStatus(secA, long1, "COMPLETED");
      awaitStatus(secA, long2, "COMPLETED");
      assertThat(logTypes(jdbc, long1)).contains("PARTICIPANT_WAIT_ENDED");
      assertThat(records(counter, s2Topic)).isGreaterThan(recordsWhenOpened);

      // the participants view shows the circuit, and starts are accepted again
      HttpResponse<String> view = get(secB, "/api/participants");
      JsonNode p2 = null;
      for (JsonNode p : json.readTree(view.body())) {
        if (p.path("participant").asString().equals("p-s2")) {
          p2 = p;
        }
      }
      assertThat(p2).isNotNull();
      assertThat(p2.path("circuit").path("state").asString()).isEqualTo("CLOSED");
      assertThat(post(secA, DIRECT, "direct-after").statusCode()).isEqualTo(201);
      assertThat(secA.bean(CircuitSync.class).runOnce()).isZero();

      // the circuits' answers are in the logs: replaying them reproduces each stored saga
      for (UUID id : List.of(shortLived, long1, long2)) {
        assertReplayReproducesStoredState(secB, id);
      }
    }
  }

  private void assertReplayReproducesStoredState(RunningCoordinator sec, UUID id) {
    SagaRow row = sec.bean(SagaInstanceDao.class).find(id).orElseThrow();
    SagaState replayed =
        sec.bean(SagaReplayer.class).replay(id, row.sagaType(), row.definitionVersion());
    assertThat(replayed.status().name()).isEqualTo(row.status());
    assertThat(replayed.statusReason()).isEqualTo(row.statusReason());
    assertThat(json.readTree(sec.bean(StateMapper.class).stepsJson(replayed)))
        .isEqualTo(json.readTree(row.stepsJson()));
    assertThat(replayed.updatedAt()).isEqualTo(row.updatedAt());
  }

  private static String state(RunningCoordinator sec, String participant) {
    return sec.bean(ParticipantCircuits.class).view(participant).state();
  }

  private static String status(RunningCoordinator sec, UUID id) {
    return sec.bean(SagaCoordinator.class).find(id).orElseThrow().status();
  }

  private static void awaitStatus(RunningCoordinator sec, UUID id, String status) {
    await().atMost(WAIT).until(() -> status(sec, id).equals(status));
  }

  private static long count(JdbcClient jdbc, String sql) {
    return jdbc.sql(sql).query(Long.class).single();
  }

  private static List<String> logTypes(JdbcClient jdbc, UUID id) {
    return jdbc.sql("SELECT type FROM saga_log_entry WHERE saga_id = :id ORDER BY seq, entry")
        .param("id", id)
        .query(String.class)
        .list();
  }

  private static KafkaConsumer<byte[], byte[]> counter(KafkaInfra kafka, String suffix) {
    Map<String, Object> c = new HashMap<>(kafka.consumerConfig("counter-" + suffix));
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(c);
  }

  /** Every record ever written to the topic: the sum of its partitions' end offsets. */
  private static long records(KafkaConsumer<byte[], byte[]> counter, String topic) {
    List<TopicPartition> partitions =
        counter.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toList());
    return counter.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
  }

  private HttpResponse<String> post(RunningCoordinator sec, String type, String key)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + sec.port() + "/api/sagas/" + type))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .timeout(WAIT)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"scenario\":\"ok\",\"failAt\":null,\"failTimes\":0,\"note\":null}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    OpenApiContract.check("POST", "/api/sagas/" + type, r);
    return r;
  }

  private HttpResponse<String> get(RunningCoordinator sec, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + sec.port() + path))
                .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                .timeout(WAIT)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    OpenApiContract.check("GET", path, r);
    return r;
  }
}
