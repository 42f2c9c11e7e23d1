package io.sagacoord.participant.internal;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.TransactionRunner;
import io.sagacoord.participant.flight.CancelFlight;
import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two transactions on the same (saga, step) at once, as when a slow batch loses its partition and
 * the new owner reads the same command while the old transaction is still open.
 */
@SagaInfraTest
class ConcurrentStepIntegrationTests {
  private final FlightService flights = new FlightService();
  private final CountDownLatch firstRunEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFirstRun = new CountDownLatch(1);
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private TestDatabase db;
  private TransactionRunner transactions;
  private CommandProcessor processor;

  @BeforeEach
  void setUp(TestDatabase db) throws Exception {
    this.db = db;
    InboxMigrator.migrate("flight-service", db.dataSource());
    FlightService.createSchema(db.dataSource());
    transactions = TransactionRunner.jdbc(db.dataSource());
    processor =
        new CommandProcessor(
            "flight-service",
            new InboxRepository(),
            JsonMapper.builder().build(),
            Clock.systemUTC(),
            new LocalRetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)),
            new Counters());
  }

  @AfterEach
  void tearDown() throws Exception {
    releaseFirstRun.countDown();
    threads.shutdownNow();
    threads.awaitTermination(30, TimeUnit.SECONDS);
  }

  @Test
  void secondTransactionOnTheSameStepWaitsAndAnswersWithTheStoredOutcomeWithoutASecondEffect()
      throws Exception {
    HandlerRegistration<ReserveFlight> reserve =
        HandlerRegistration.forward(
            FlightService.RESERVE,
            ReserveFlight.class,
            (ctx, cmd) -> {
              var outcome = flights.reserve(ctx, cmd);
              if (flights.reserveRuns.get() == 1) {
                // the first consumer's transaction stays open here
                firstRunEntered.countDown();
                releaseFirstRun.await();
              }
              return outcome;
            });
    UUID saga = UUID.randomUUID();

    Future<ProducerRecord<String, byte[]>> first =
        threads.submit(() -> processAlone(forward(saga, reserve, 1, "c-1")));
    assertThat(firstRunEntered.await(30, TimeUnit.SECONDS)).isTrue();
    Future<ProducerRecord<String, byte[]>> second =
        threads.submit(() -> processAlone(forward(saga, reserve, 1, "c-1")));
    await().atMost(Duration.ofSeconds(30)).until(() -> waitingForAdvisoryLock() == 1);
    releaseFirstRun.countDown();

    ProducerRecord<String, byte[]> firstReply = first.get(30, TimeUnit.SECONDS);
    ProducerRecord<String, byte[]> secondReply = second.get(30, TimeUnit.SECONDS);
    assertThat(header(firstReply.headers(), SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(header(secondReply.headers(), SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(secondReply)).isEqualTo(body(firstReply));
    assertThat(flights.reserveRuns).hasValue(1);
    assertThat(count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
  }

  @Test
  void compensationWaitsForItsOpenForwardCommandAndThenUndoesItInsteadOfFencing() throws Exception {
    HandlerRegistration<ReserveFlight> reserve =
        HandlerRegistration.forward(
            FlightService.RESERVE,
            ReserveFlight.class,
            (ctx, cmd) -> {
              var outcome = flights.reserve(ctx, cmd);
              firstRunEntered.countDown();
              releaseFirstRun.await();
              return outcome;
            });
    HandlerRegistration<CancelFlight> cancel =
        HandlerRegistration.compensation(FlightService.CANCEL, CancelFlight.class, flights::cancel);
    UUID saga = UUID.randomUUID();

    Future<ProducerRecord<String, byte[]>> forward =
        threads.submit(() -> processAlone(forward(saga, reserve, 1, "c-1")));
    assertThat(firstRunEntered.await(30, TimeUnit.SECONDS)).isTrue();
    Future<ProducerRecord<String, byte[]>> compensation =
        threads.submit(
            () ->
                processAlone(
                    command(
                        saga,
                        Phase.COMPENSATE,
                        cancel,
                        new CancelFlight("LX318", "Ada"),
                        1,
                        "c-2")));
    await().atMost(Duration.ofSeconds(30)).until(() -> waitingForAdvisoryLock() == 1);
    releaseFirstRun.countDown();

    assertThat(header(forward.get(30, TimeUnit.SECONDS).headers(), SagaHeaders.OUTCOME))
        .isEqualTo("SUCCESS");
    assertThat(header(compensation.get(30, TimeUnit.SECONDS).headers(), SagaHeaders.OUTCOME))
        .isEqualTo("SUCCESS");
    assertThat(flights.cancelRuns).hasValue(1);
    assertThat(count("SELECT count(*) FROM flight_booking WHERE status = 'CANCELLED'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM saga_participant_inbox WHERE fence")).isZero();
  }

  /** One consumer's batch transaction with one command in it, on its own connection. */
  private ProducerRecord<String, byte[]> processAlone(InboundCommand command) throws Exception {
    return transactions.inTransaction(tx -> processor.process(tx, command));
  }

  private static InboundCommand forward(
      UUID saga, HandlerRegistration<?> registration, int attempt, String commandId) {
    return command(
        saga, Phase.FORWARD, registration, new ReserveFlight("LX318", "Ada"), attempt, commandId);
  }

  private static InboundCommand command(
      UUID saga,
      Phase phase,
      HandlerRegistration<?> registration,
      Object body,
      int attempt,
      String commandId) {
    return new InboundCommand(
        saga,
        "trip-booking",
        "reserve-flight",
        phase,
        attempt,
        commandId,
        registration.commandType(),
        "replies",
        phase == Phase.FORWARD ? Instant.now().plus(Duration.ofHours(1)) : null,
        null,
        body,
        registration);
  }

  private long waitingForAdvisoryLock() throws Exception {
    return count(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database ="
            + " (SELECT oid FROM pg_database WHERE datname = current_database())");
  }

  private static String body(ProducerRecord<String, byte[]> record) {
    return new String(record.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private long count(String sql) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
