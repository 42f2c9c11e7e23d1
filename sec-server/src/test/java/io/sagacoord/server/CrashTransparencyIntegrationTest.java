package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.support.ChildCoordinators;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.MovableClock;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A coordinator crash changes no saga's outcome. The coordinator runs as a child process on a
 * {@link MovableClock} with 5-min step timeouts; participants answer within half a second. With
 * hundreds of sagas in flight it is SIGKILLed and kept down until the participants have answered
 * every command they took; then the test moves the clock on by two step timeouts and starts it
 * again (away for longer than a step timeout, on its own clock): the answers that came while it was
 * away count as given in time, so every saga completes and no attempt times out. A saga whose
 * participant stays silent is timed out after the restart and compensates: the test moves the clock
 * past the step timeout of each of its attempts, so no timeout is waited for in real time.
 */
class CrashTransparencyIntegrationTest {

  private static final int SAGAS = 1_000;
  private static final int IN_FLIGHT_AT_KILL = 200;
  private static final int POSTERS = 16;
  // long enough never to pass in real time during the test: timeouts come due as the clock moves
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
  // how long the coordinator is away on its own clock: longer than a step timeout
  private static final Duration AWAY = STEP_TIMEOUT.multipliedBy(2);

  private final HttpClient http = HttpClient.newHttpClient();
  private KafkaInfra kafka;
  private TestDatabase db;
  private ScriptedParticipants participants;
  private String suffix;
  private String replyTopic;
  private int port;
  private JavaProcess child;
  private MovableClock clock;

  @BeforeEach
  void setUp() {
    clock = MovableClock.create();
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_transparent");
    suffix = UUID.randomUUID().toString().substring(0, 8);
    replyTopic = kafka.uniqueTopic("replies");
    List<String> topics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      String topic = TestSagas.participant(step, suffix).commandTopic();
      kafka.createTopic(topic, 3);
      topics.add(topic);
    }
    kafka.createTopic(replyTopic, 3);
    participants =
        new ScriptedParticipants(
            kafka.consumerConfig("participants-" + suffix), kafka.producerConfig(), topics);
    participants.answerWithin(Duration.ofMillis(500));
    port = FreePorts.one();
  }

  @AfterEach
  void tearDown() {
    try (MovableClock c = clock;
        TestDatabase d = db;
        ScriptedParticipants p = participants) {
      if (child != null) {
        child.close();
      }
    }
  }

  @Test
  void sagasInFlightWhenTheCoordinatorDiesEndAsIfItHadNot() throws Exception {
    startChild(1);
    UUID silent = post("{\"scenario\":\"silent\",\"failAt\":\"s2\",\"failTimes\":0}");
    assertThat(silent).as("the silent saga's start").isNotNull();
    Set<UUID> answered = ConcurrentHashMap.newKeySet();
    AtomicInteger posted = new AtomicInteger();
    // enough callers that starts outpace ends until hundreds are in flight
    ExecutorService posting = Executors.newFixedThreadPool(POSTERS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < POSTERS; t++) {
      futures.add(
          posting.submit(
              () -> {
                while (posted.incrementAndGet() <= SAGAS) {
                  UUID id = post("{\"scenario\":\"ok\",\"failAt\":null,\"failTimes\":0}");
                  if (id != null) {
                    answered.add(id);
                  }
                }
              }));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> unfinished() >= IN_FLIGHT_AT_KILL || answered.size() >= SAGAS);
    long inFlight = unfinished();
    child.kill();
    posting.shutdown();
    for (Future<?> f : futures) {
      f.get();
    }
    System.out.println(
        "CrashTransparencyIntegrationTest: "
            + inFlight
            + " sagas in flight at the kill, "
            + answered.size()
            + " started");

    // away while the participants answer what they have; once they have, the coordinator comes
    // back with its clock two step timeouts on: every attempt sent before the kill is overdue
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(participants::answeredAll);
    clock.advance(AWAY);
    startChild(2);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> unfinishedBesides(silent) == 0);
    // the silent saga alone is left: the clock passes the timeout of each attempt it sends, until
    // its retries are spent and it compensates
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              passForwardTimeout(silent, "s2");
              return unfinished() == 0;
            });
    child.close();

    assertThat(inFlight).isGreaterThanOrEqualTo(IN_FLIGHT_AT_KILL);
    SagaInstanceDao instances = new SagaInstanceDao(JdbcClient.create(db.dataSource()));
    SagaLogDao logs =
        new SagaLogDao(
            JdbcClient.create(db.dataSource()), new NamedParameterJdbcTemplate(db.dataSource()));
    for (UUID id : answered) {
      SagaRow row = instances.find(id).orElseThrow();
      List<LogRow> log = logs.findBySaga(id);
      List<String> types = log.stream().map(LogRow::type).toList();
      assertThat(row.status()).as("saga %s: %s", id, log).isEqualTo("COMPLETED");
      assertThat(types).as("log of %s: %s", id, log).doesNotContain("ATTEMPT_TIMED_OUT");
    }
    // the counter-case: nobody answered, so the step timed out after the restart
    assertThat(instances.find(silent).orElseThrow().status()).isEqualTo("COMPENSATED");
    assertThat(logs.findBySaga(silent)).extracting(LogRow::type).contains("ATTEMPT_TIMED_OUT");
  }

  private void startChild(int start) {
    child =
        ChildCoordinators.start(
            "sec-transparent-" + start,
            "sec-transparent",
            port,
            db,
            kafka,
            suffix,
            replyTopic,
            Map.of(
                "test.step-timeout",
                STEP_TIMEOUT.toString(),
                MovableClock.PROPERTY,
                clock.file().toString()));
  }

  /** Starts a trip; null when the coordinator did not accept it (it was just killed). */
  private UUID post(String body) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://localhost:" + port + "/api/sagas/" + TestSagas.TRIP))
                  .header("Content-Type", "application/json")
                  .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                  .header("Idempotency-Key", UUID.randomUUID().toString())
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 201) {
        return null;
      }
      String location = response.headers().firstValue("Location").orElseThrow();
      return UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Moves the clock to the due time of the step's pending forward timeout, if it has one ahead of
   * the clock. The relay counts a timeout from Kafka's acknowledgement of the command, so a move
   * while the command is on its way postpones the timeout: the next call moves the clock again.
   */
  private void passForwardTimeout(UUID saga, String step) {
    JdbcClient.create(db.dataSource())
        .sql(
            "SELECT due_at FROM saga_timer WHERE saga_id = :saga AND step = :step"
                + " AND kind = 'STEP_TIMEOUT' AND coalesce(phase, 'forward') = 'forward'"
                + " ORDER BY due_at LIMIT 1")
        .param("saga", saga)
        .param("step", step)
        .query(OffsetDateTime.class)
        .optional()
        .map(OffsetDateTime::toInstant)
        .map(due -> Duration.between(clock.instant(), due))
        .filter(ahead -> !ahead.isNegative())
        .ifPresent(ahead -> clock.advance(ahead.plusMillis(1)));
  }

  private long unfinishedBesides(UUID saga) {
    return JdbcClient.create(db.dataSource())
        .sql(
            "SELECT count(*) FROM saga_instance"
                + " WHERE status NOT IN ('COMPLETED', 'COMPENSATED') AND id <> :saga")
        .param("saga", saga)
        .query(Long.class)
        .single();
  }

  private long unfinished() {
    return JdbcClient.create(db.dataSource())
        .sql("SELECT count(*) FROM saga_instance WHERE status NOT IN ('COMPLETED', 'COMPENSATED')")
        .query(Long.class)
        .single();
  }
}
