package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import io.sagacoord.protocol.Phase;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.pipeline.EventJson;
import io.sagacoord.server.internal.pipeline.SagaLogReader;
import io.sagacoord.server.internal.pipeline.SagaReplayer;
import io.sagacoord.server.internal.pipeline.StateMapper;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.support.ChildCoordinators;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
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
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The coordinator as a child process, halted at each named crash point and SIGKILLed at random
 * while sagas are in flight. Afterwards every saga is COMPLETED or COMPENSATED, replaying each
 * saga's log reproduces its stored state, every success a participant gave is accepted exactly
 * once, and no compensation reached a participant before its forward command.
 *
 * <p>The coordinator runs on a {@link MovableClock} with 5-min step timeouts, which never pass in
 * real time during the test: the participants answer every command, so no saga needs a timeout to
 * finish. Should sagas still be left once every command is answered and nothing waits to be sent,
 * the test moves the clock past a step timeout so that they time out and go on, as they would in
 * production.
 *
 * <p>Sizes: {@code -Dsec.crash.sagas} (default 200) and {@code -Dsec.crash.rounds} (default 5); the
 * seed is printed and can be fixed with {@code -Dsec.crash.seed}.
 */
class CrashRecoveryIntegrationTest {

  private static final int IN_FLIGHT_BEFORE_KILL = 20;
  // long enough never to pass in real time during the test: timeouts come due as the clock moves
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private KafkaInfra kafka;
  private TestDatabase db;
  private ScriptedParticipants participants;
  private String suffix;
  private String replyTopic;
  private int port;
  private JavaProcess child;
  private int starts;
  private MovableClock clock;
  private int clockMoves;

  @BeforeEach
  void setUp() {
    clock = MovableClock.create();
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_crash");
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
  void everySagaFinishesAndTheLogExplainsItsStateAfterCrashesAtEveryPointAndRandomKills()
      throws Exception {
    long seed = Long.getLong("sec.crash.seed", System.nanoTime());
    int totalSagas = Integer.getInteger("sec.crash.sagas", 200);
    int rounds = Integer.getInteger("sec.crash.rounds", 5);
    System.out.println("CrashRecoveryIntegrationTest seed=" + seed);
    Random random = new Random(seed);
    port = FreePorts.one();
    int crashes = 0;

    // named crash points: each halts the coordinator on its 3rd pass
    for (String point :
        List.of(
            CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH,
            CrashPoints.AFTER_PUBLISH_BEFORE_OFFSET_COMMIT,
            CrashPoints.MID_COMPENSATION)) {
      startChild(point, 3);
      startSagas(10, point.equals(CrashPoints.MID_COMPENSATION) ? 1.0 : 0.1, random);
      assertThat(child.waitForExit(Duration.ofSeconds(60)))
          .as("exit code at " + point)
          .isEqualTo(137);
      crashes++;
    }

    // random SIGKILLs while at least 20 sagas are in flight
    int perRound = Math.max(IN_FLIGHT_BEFORE_KILL, totalSagas / rounds);
    AtomicInteger accepted = new AtomicInteger();
    List<Duration> restartToFirstTransition = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Instant restartedAt = clock.instant();
      startChild(null, 1);
      int quota = Math.min(totalSagas, (round + 1) * perRound);
      ExecutorService posting = Executors.newFixedThreadPool(4);
      List<Future<?>> futures = new ArrayList<>();
      JavaProcess current = child;
      for (int t = 0; t < 4; t++) {
        long threadSeed = random.nextLong();
        futures.add(
            posting.submit(
                () -> {
                  Random r = new Random(threadSeed);
                  while (current.isAlive() && accepted.get() < quota) {
                    if (postQuietly(r.nextDouble() < 0.1 ? "fail" : "ok", r)) {
                      accepted.incrementAndGet();
                    }
                  }
                }));
      }
      boolean killed = false;
      try {
        // kill only once half of this round's sagas are in, so that the rounds start them all
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(5))
            .until(
                () ->
                    inFlight() >= IN_FLIGHT_BEFORE_KILL && accepted.get() >= quota - perRound / 2);
        // the kill lands at a random moment of the work in flight: that is the test's subject
        Thread.sleep(random.nextInt(200));
        child.kill();
        killed = true;
        crashes++;
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // reported below; the round goes on without a kill
      }
      posting.shutdown();
      for (Future<?> f : futures) {
        f.get();
      }
      if (!killed) {
        System.out.println("round " + round + ": never 20 sagas in flight, no kill");
        child.kill();
      }
      firstTransitionAfter(restartedAt)
          .ifPresent(t -> restartToFirstTransition.add(Duration.between(restartedAt, t)));
    }

    // a clean coordinator starts what the rounds left out and finishes everything
    startChild(null, 1);
    while (accepted.get() < totalSagas) {
      if (postQuietly(random.nextDouble() < 0.1 ? "fail" : "ok", random)) {
        accepted.incrementAndGet();
      }
    }
    try {
      long[] before = {-1};
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () -> {
                long left = unfinished();
                if (left > 0 && left == before[0] && waitingOnlyForTimers()) {
                  clock.advance(STEP_TIMEOUT);
                  clockMoves++;
                }
                before[0] = left;
                assertThat(left).isZero();
              });
    } catch (AssertionError | RuntimeException e) {
      for (SagaRow row : instances().findAll()) {
        if (!row.status().equals("COMPLETED") && !row.status().equals("COMPENSATED")) {
          System.out.println(
              "UNFINISHED "
                  + row.id()
                  + " "
                  + row.status()
                  + " "
                  + row.statusReason()
                  + " "
                  + row.dataJson()
                  + " "
                  + row.stepsJson());
          new SagaLogDao(
                  JdbcClient.create(db.dataSource()),
                  new NamedParameterJdbcTemplate(db.dataSource()))
              .findBySaga(row.id())
              .forEach(l -> System.out.println("   " + l));
          participants.received(row.id()).forEach(r -> System.out.println("   got " + r));
        }
      }
      throw e;
    }
    child.close();

    List<SagaRow> sagas = instances().findAll();
    System.out.println(
        "CrashRecoveryIntegrationTest: "
            + sagas.size()
            + " sagas, "
            + crashes
            + " crashes, coordinator starts "
            + starts
            + ", restart to first transition "
            + restartToFirstTransition
            + ", clock moves past a step timeout "
            + clockMoves
            + ", seed "
            + seed);
    assertThat(sagas).extracting(SagaRow::status).containsOnly("COMPLETED", "COMPENSATED");
    assertThat(crashes).isGreaterThanOrEqualTo(3);
    verifyLogsAndEffects(sagas);
  }

  private void verifyLogsAndEffects(List<SagaRow> sagas) {
    DataSource ds = db.dataSource();
    JdbcClient jdbc = JdbcClient.create(ds);
    SagaLogDao logDao = new SagaLogDao(jdbc, new NamedParameterJdbcTemplate(ds));
    DefinitionRegistry registry =
        new DefinitionRegistry(List.of(TestSagas.trip(suffix, 1, STEP_TIMEOUT)));
    SagaLogReader logReader = new SagaLogReader(logDao, registry);
    SagaReplayer replayer =
        new SagaReplayer(
            logReader, registry, new SagaEngine(new JacksonJsonCodec(json)), new EventJson(json));
    StateMapper mapper = new StateMapper(json, registry);
    for (SagaRow row : sagas) {
      SagaState replayed = replayer.replay(row.id(), row.sagaType(), row.definitionVersion());
      assertThat(replayed.status().name()).as("status of %s", row.id()).isEqualTo(row.status());
      assertThat(json.readTree(mapper.stepsJson(replayed)))
          .as("steps of %s", row.id())
          .isEqualTo(json.readTree(row.stepsJson()));
      assertThat(json.readTree(replayed.dataJson())).isEqualTo(json.readTree(row.dataJson()));

      List<LogRow> rows = logDao.findBySaga(row.id());
      for (int i = 0; i < rows.size(); i++) {
        assertThat(rows.get(i).seq()).isEqualTo(i + 1);
      }
      assertThat(row.lastSeq()).as("last_seq of %s", row.id()).isEqualTo(rows.size());
      // every log entry, unfolded from the one row per transition
      List<LogEntryRow> log = logReader.entries(row);
      List<Received> received = participants.received(row.id());
      Set<String> forwardSeen = new HashSet<>();
      for (Received r : received) {
        if (r.phase() == Phase.FORWARD) {
          forwardSeen.add(r.step());
        } else {
          assertThat(forwardSeen)
              .as("compensation of %s in saga %s without its forward command", r.step(), row.id())
              .contains(r.step());
        }
      }
      for (String step : forwardSeen) {
        long accepted =
            log.stream()
                .filter(l -> "STEP_SUCCEEDED".equals(l.type()) && step.equals(l.step()))
                .count();
        assertThat(accepted)
            .as("accepted successes of %s in %s", step, row.id())
            .isLessThanOrEqualTo(1);
      }
      if ("COMPLETED".equals(row.status())) {
        for (String step : TestSagas.TRIP_STEPS) {
          assertThat(
                  log.stream()
                      .filter(l -> "STEP_SUCCEEDED".equals(l.type()) && step.equals(l.step()))
                      .count())
              .as("%s of completed saga %s", step, row.id())
              .isEqualTo(1);
        }
      }
    }
  }

  private void startChild(String crashPoint, int crashAfter) {
    Map<String, String> extra = new HashMap<>(clock.childProperties());
    extra.put("test.step-timeout", STEP_TIMEOUT.toString());
    if (crashPoint != null) {
      extra.put("sec.test.crash-point", crashPoint);
      extra.put("sec.test.crash-after", Integer.toString(crashAfter));
    }
    child =
        ChildCoordinators.start(
            "sec-crash-" + (++starts),
            "sec-crash-child",
            port,
            db,
            kafka,
            suffix,
            replyTopic,
            extra);
  }

  private void startSagas(int n, double failShare, Random random) {
    for (int i = 0; i < n; i++) {
      postQuietly(random.nextDouble() < failShare ? "fail" : "ok", random);
    }
  }

  /**
   * Starts a saga; a refused connection (the coordinator just died) is fine. Returns whether the
   * coordinator accepted it.
   */
  private boolean postQuietly(String scenario, Random random) {
    String failAt = "fail".equals(scenario) ? "s" + (2 + random.nextInt(3)) : null;
    String body =
        "{\"scenario\":\""
            + scenario
            + "\",\"failAt\":"
            + (failAt == null ? "null" : "\"" + failAt + "\"")
            + ",\"failTimes\":1,\"note\":null}";
    try {
      return http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://localhost:" + port + "/api/sagas/" + TestSagas.TRIP))
                      .header("Content-Type", "application/json")
                      .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                      .header("Idempotency-Key", UUID.randomUUID().toString())
                      .timeout(Duration.ofSeconds(10))
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 201;
    } catch (IOException e) {
      return false; // the coordinator is down
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * When the coordinator started at {@code since} wrote its first log row (process start included).
   */
  private Optional<Instant> firstTransitionAfter(Instant since) {
    return JdbcClient.create(db.dataSource())
        .sql("SELECT min(occurred_at) FROM saga_log WHERE occurred_at > :since")
        .param("since", since.atOffset(ZoneOffset.UTC))
        .query(
            (rs, n) -> {
              OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
              return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
            })
        .single();
  }

  /**
   * Whether the sagas left wait for nothing but their timers: no command waits in the outbox and
   * the participants have answered every command sent.
   */
  private boolean waitingOnlyForTimers() {
    long toSend =
        JdbcClient.create(db.dataSource())
            .sql("SELECT count(*) FROM saga_outbox")
            .query(Long.class)
            .single();
    return toSend == 0 && participants.answeredAll();
  }

  private long inFlight() {
    return unfinished();
  }

  private long unfinished() {
    return JdbcClient.create(db.dataSource())
        .sql("SELECT count(*) FROM saga_instance WHERE status NOT IN ('COMPLETED', 'COMPENSATED')")
        .query(Long.class)
        .single();
  }

  private SagaInstanceDao instances() {
    return new SagaInstanceDao(JdbcClient.create(db.dataSource()));
  }
}
