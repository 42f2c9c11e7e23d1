package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.support.OpenApiContract;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipantMain;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live registry and the coordinator's door, with the participant as a separate process that
 * sends heartbeats in the protocol's wire form: SIGKILLed, it turns dead after three missed
 * heartbeats, starts that need it are refused (REST: 503 with Retry-After; start topic:
 * quarantined) by the definition that says so and accepted to wait by the one that does not;
 * restarted, it is live again and the waiting saga completes. Start data that breaks the
 * definition's rules gets 400 with its violations, and nothing is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParticipantLivenessIntegrationTest {

  private static final String REFUSING = "live-refusing";
  private static final String WAITING = "live-waiting";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration HEARTBEAT = Duration.ofMillis(300);

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = JsonMapper.builder().build();
  private KafkaInfra kafka;
  private TestDatabase db;
  private RunningCoordinator sec;
  private ScriptedParticipants producer;
  private JavaProcess child;
  private JdbcClient jdbc;
  private String participant;
  private String startTopic;

  @BeforeAll
  void start() {
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_liveness");
    jdbc = JdbcClient.create(db.dataSource());
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    // the scripted participant answers as p-<step>
    ParticipantRef worker = TestSagas.participant("s1", suffix);
    participant = worker.name();
    String replyTopic = kafka.uniqueTopic("replies");
    startTopic = replyTopic + "-starts";
    kafka.createTopic(replyTopic, 3);
    kafka.createTopic(worker.commandTopic(), 3);
    kafka.createTopic(replyTopic + "-registry", 1);
    SagaDefinition<TestData> refusing =
        SagaDefinition.named(REFUSING, TestData.class)
            .whenFirstParticipantUnavailable(StartWhenUnavailable.REFUSE)
            .validate(ParticipantLivenessIntegrationTest::violations)
            .step("s1")
            .invoke(worker, "s1.do", d -> d)
            .compensateWith("s1.undo", d -> d)
            .build();
    SagaDefinition<TestData> waiting =
        SagaDefinition.named(WAITING, TestData.class)
            .defaultTimeout(Duration.ofMinutes(5))
            .step("s1")
            .invoke(worker, "s1.do", d -> d)
            .compensateWith("s1.undo", d -> d)
            .build();
    sec =
        RunningCoordinator.start(
            db,
            kafka,
            replyTopic,
            Map.of("sec.liveness.refresh-interval", "100ms", "sec.liveness.retry-after", "7s"),
            List.of(refusing, waiting));
    producer =
        new ScriptedParticipants(
            kafka.consumerConfig("starter-" + suffix), kafka.producerConfig(), List.of());
    child =
        ScriptedParticipantMain.startWithHeartbeats(
            "liveness-participant",
            kafka,
            "liveness-participant-" + suffix,
            List.of(worker.commandTopic()),
            replyTopic + "-registry",
            participant,
            "instance-a",
            HEARTBEAT);
  }

  @AfterAll
  void stop() {
    try (TestDatabase d = db;
        RunningCoordinator s = sec;
        ScriptedParticipants p = producer) {
      if (child != null) {
        child.close();
      }
    }
  }

  private static List<String> violations(TestData data) {
    List<String> found = new ArrayList<>();
    if (data.scenario() == null || data.scenario().isBlank()) {
      found.add("a scenario is required");
    }
    if (data.failTimes() < 0) {
      found.add("failTimes must not be negative, was " + data.failTimes());
    }
    return found;
  }

  @Test
  void aKilledParticipantTurnsDeadAndStartsThatNeedItAreRefusedUntilItIsBack() {
    awaitInstance("LIVE");
    JsonNode live = participantView();
    assertThat(live.path("liveInstances").asInt()).isEqualTo(1);
    JsonNode instance = live.path("instances").get(0);
    assertThat(instance.path("heartbeatIntervalMs").asLong()).isEqualTo(HEARTBEAT.toMillis());
    assertThat(instance.path("lastHeartbeatAt").asString()).isNotBlank();
    assertThat(liveGauge()).isEqualTo(1.0);
    String before = "before-" + UUID.randomUUID();
    assertThat(post(REFUSING, before, "{\"scenario\":\"ok\",\"failTimes\":0}").statusCode())
        .isEqualTo(201);
    awaitStatus(SagaIds.ofStart(REFUSING, before), "COMPLETED");

    child.kill();
    awaitInstance("DEAD");
    assertThat(participantView().path("liveInstances").asInt()).isZero();
    assertThat(liveGauge()).isZero();

    // refused at the door: 503 with Retry-After, nothing written
    String refusedKey = "refused-" + UUID.randomUUID();
    HttpResponse<String> refused =
        post(REFUSING, refusedKey, "{\"scenario\":\"ok\",\"failTimes\":0}");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).contains("7");
    JsonNode problem = json.readTree(refused.body());
    assertThat(problem.path("type").asString())
        .isEqualTo("https://sagacoord.io/problems/participant-unavailable");
    assertThat(problem.path("participant").asString()).isEqualTo(participant);
    assertThat(problem.path("detail").asString()).contains("has no live instance");
    assertThat(rows(SagaIds.ofStart(REFUSING, refusedKey))).isZero();

    // the same start from the start topic is quarantined with the reason
    String topicKey = "topic-" + UUID.randomUUID();
    producer.send(
        startTopic,
        topicKey,
        startHeaders(REFUSING, topicKey),
        "{\"scenario\":\"ok\",\"failTimes\":0}");
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () ->
                sec.bean(QuarantineDao.class).findAll().stream()
                    .anyMatch(
                        q ->
                            q.topic().equals(startTopic)
                                && q.reason().contains("has no live instance")));
    assertThat(rows(SagaIds.ofStart(REFUSING, topicKey))).isZero();

    // a definition that accepts and waits starts; its command waits for the participant
    String waitingKey = "waiting-" + UUID.randomUUID();
    assertThat(post(WAITING, waitingKey, "{\"scenario\":\"ok\",\"failTimes\":0}").statusCode())
        .isEqualTo(201);
    UUID waitingSaga = SagaIds.ofStart(WAITING, waitingKey);
    assertThat(status(waitingSaga)).isEqualTo("RUNNING");

    child.restart();
    ScriptedParticipantMain.awaitReady(child);
    awaitInstance("LIVE");
    assertThat(participantView().path("liveInstances").asInt()).isEqualTo(1);
    awaitStatus(waitingSaga, "COMPLETED");
    assertThat(post(REFUSING, refusedKey, "{\"scenario\":\"ok\",\"failTimes\":0}").statusCode())
        .isEqualTo(201);
    awaitStatus(SagaIds.ofStart(REFUSING, refusedKey), "COMPLETED");
  }

  @Test
  void startDataThatBreaksTheDefinitionsRulesGets400WithItsViolationsAndNothingIsWritten() {
    String key = "invalid-" + UUID.randomUUID();
    HttpResponse<String> response = post(REFUSING, key, "{\"scenario\":\" \",\"failTimes\":-2}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.path("type").asString())
        .isEqualTo("https://sagacoord.io/problems/start-data-rejected");
    assertThat(problem.path("violations").values())
        .extracting(JsonNode::asString)
        .containsExactly("a scenario is required", "failTimes must not be negative, was -2");
    assertThat(rows(SagaIds.ofStart(REFUSING, key))).isZero();

    String topicKey = "invalid-topic-" + UUID.randomUUID();
    producer.send(
        startTopic,
        topicKey,
        startHeaders(REFUSING, topicKey),
        "{\"scenario\":\"\",\"failTimes\":0}");
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () ->
                sec.bean(QuarantineDao.class).findAll().stream()
                    .anyMatch(
                        q ->
                            q.topic().equals(startTopic)
                                && q.reason().contains("a scenario is required")));
    assertThat(rows(SagaIds.ofStart(REFUSING, topicKey))).isZero();
  }

  private static Map<String, String> startHeaders(String type, String key) {
    return Map.of(SagaHeaders.SAGA_TYPE, type, SagaHeaders.IDEMPOTENCY_KEY, key);
  }

  private HttpResponse<String> post(String type, String key, String body) {
    String path = "/api/sagas/" + type;
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + sec.port() + path))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    OpenApiContract.check("POST", path, response);
    return response;
  }

  private JsonNode participantView() {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + sec.port() + "/api/participants"))
                .GET());
    OpenApiContract.check("GET", "/api/participants", response);
    for (JsonNode p : json.readTree(response.body())) {
      if (p.path("participant").asString().equals(participant)) {
        return p;
      }
    }
    return json.createObjectNode();
  }

  private void awaitInstance(String liveness) {
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () -> {
              JsonNode instances = participantView().path("instances");
              return instances.size() == 1
                  && instances.get(0).path("instance").asString().equals("instance-a")
                  && instances.get(0).path("liveness").asString().equals(liveness);
            });
  }

  private double liveGauge() {
    return sec.bean(MeterRegistry.class)
        .get("sec.participant.instances.live")
        .tag("participant", participant)
        .gauge()
        .value();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(
          request.header("X-API-Key", RunningCoordinator.ADMIN_KEY).timeout(WAIT).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private long rows(UUID sagaId) {
    return jdbc.sql("SELECT count(*) FROM saga_instance WHERE id = :id")
        .param("id", sagaId)
        .query(Long.class)
        .single();
  }

  private String status(UUID sagaId) {
    return jdbc.sql("SELECT status FROM saga_instance WHERE id = :id")
        .param("id", sagaId)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  private void awaitStatus(UUID sagaId, String expected) {
    await().atMost(WAIT).pollInterval(POLL).until(() -> expected.equals(status(sagaId)));
  }
}
