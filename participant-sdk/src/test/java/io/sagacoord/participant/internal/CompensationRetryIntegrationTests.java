package io.sagacoord.participant.internal;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.TransactionRunner;
import io.sagacoord.participant.flight.CancelFlight;
import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The engine retries a compensation's business failure with a new attempt: it must run again. */
@SagaInfraTest
class CompensationRetryIntegrationTests {

  @Test
  void compensationThatFailedForBusinessReasonsRunsAgainOnANewerAttemptButNotOnADuplicate(
      TestDatabase db) throws Exception {
    migrate(db);
    FlightService flights = new FlightService();
    AtomicBoolean refundDesk = new AtomicBoolean(false);
    AtomicInteger cancelRuns = new AtomicInteger();
    HandlerRegistration<ReserveFlight> reserve =
        HandlerRegistration.forward(FlightService.RESERVE, ReserveFlight.class, flights::reserve);
    HandlerRegistration<CancelFlight> cancel =
        HandlerRegistration.compensation(
            FlightService.CANCEL,
            CancelFlight.class,
            (ctx, cmd) -> {
              cancelRuns.incrementAndGet();
              flights.cancel(ctx, cmd);
              return refundDesk.get()
                  ? Outcome.done()
                  : Outcome.businessFailure("refund desk closed", "CLOSED");
            });
    TransactionRunner transactions = TransactionRunner.jdbc(db.dataSource());
    CommandProcessor processor = processor();
    UUID saga = UUID.randomUUID();
    InboundCommand forward =
        command(saga, Phase.FORWARD, reserve, new ReserveFlight("LX318", "Ada"), 1);
    InboundCommand compensation =
        command(saga, Phase.COMPENSATE, cancel, new CancelFlight("LX318", "Ada"), 1);

    assertThat(outcome(transactions, processor, forward)).isEqualTo("SUCCESS");
    assertThat(outcome(transactions, processor, compensation)).isEqualTo("BUSINESS_FAILURE");
    assertThat(outcome(transactions, processor, compensation)).isEqualTo("BUSINESS_FAILURE");
    assertThat(cancelRuns).hasValue(1);

    refundDesk.set(true);
    assertThat(outcome(transactions, processor, attempt(compensation, 2))).isEqualTo("SUCCESS");
    assertThat(cancelRuns).hasValue(2);
    assertThat(outcome(transactions, processor, attempt(compensation, 3))).isEqualTo("SUCCESS");
    assertThat(cancelRuns).hasValue(2);
  }

  @Test
  void oneBatchWithTheSameStepSeveralTimesSeesWhatItsEarlierCommandsRecorded(TestDatabase db)
      throws Exception {
    migrate(db);
    FlightService flights = new FlightService();
    HandlerRegistration<ReserveFlight> reserve =
        HandlerRegistration.forward(FlightService.RESERVE, ReserveFlight.class, flights::reserve);
    HandlerRegistration<CancelFlight> cancel =
        HandlerRegistration.compensation(FlightService.CANCEL, CancelFlight.class, flights::cancel);
    TransactionRunner transactions = TransactionRunner.jdbc(db.dataSource());
    CommandProcessor processor = processor();
    UUID saga = UUID.randomUUID();
    UUID fenced = UUID.randomUUID();
    InboundCommand forward =
        command(saga, Phase.FORWARD, reserve, new ReserveFlight("LX318", "Ada"), 1);
    InboundCommand compensation =
        command(saga, Phase.COMPENSATE, cancel, new CancelFlight("LX318", "Ada"), 1);
    InboundCommand lateCompensation =
        command(fenced, Phase.COMPENSATE, cancel, new CancelFlight("LX319", "Bob"), 1);
    InboundCommand fencedForward =
        command(fenced, Phase.FORWARD, reserve, new ReserveFlight("LX319", "Bob"), 1);
    List<InboundCommand> batch =
        List.of(forward, forward, compensation, lateCompensation, fencedForward);

    // all five in one transaction, with the rows the batch read ahead (none existed then)
    List<String> outcomes = inOneBatch(transactions, processor, batch);

    // the duplicate gets the stored outcome, the compensation sees the forward it follows, the
    // forward after a compensation of an unseen step is fenced
    assertThat(outcomes).containsExactly("SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "REFUSED");
    assertThat(flights.reserveRuns).hasValue(1);
    assertThat(flights.cancelRuns).hasValue(1);

    // the batch's inbox rows were written once, at its end: the last write of each key
    List<String> inbox = new ArrayList<>();
    try (var c = db.dataSource().getConnection();
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT saga_id, phase, outcome, fence FROM saga_participant_inbox"
                        + " ORDER BY saga_id = '"
                        + saga
                        + "' DESC, phase DESC")) {
      while (rs.next()) {
        inbox.add(
            (rs.getObject(1).equals(saga) ? "saga" : "fenced")
                + " "
                + rs.getString(2)
                + " "
                + rs.getString(3)
                + (rs.getBoolean(4) ? " fence" : ""));
      }
    }
    assertThat(inbox)
        .containsExactly(
            "saga forward SUCCESS",
            "saga compensate SUCCESS",
            "fenced forward REFUSED fence",
            "fenced compensate SUCCESS");

    // read again (a redelivered batch): answered from those rows, no handler runs again
    List<String> again = inOneBatch(transactions, processor, batch);
    assertThat(again).containsExactly("SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "REFUSED");
    assertThat(flights.reserveRuns).hasValue(1);
    assertThat(flights.cancelRuns).hasValue(1);
  }

  /** Processes {@code batch} as a consumer's batch: one transaction, one flush; the outcomes. */
  private static List<String> inOneBatch(
      TransactionRunner transactions, CommandProcessor processor, List<InboundCommand> batch)
      throws Exception {
    return transactions.inTransaction(
        tx -> {
          CommandProcessor.Prefetched prefetched = processor.prefetch(tx, batch);
          List<String> out = new ArrayList<>();
          for (InboundCommand c : batch) {
            out.add(header(processor.process(tx, c, prefetched).headers(), SagaHeaders.OUTCOME));
          }
          processor.flush(tx, prefetched);
          return out;
        });
  }

  private static void migrate(TestDatabase db) throws Exception {
    InboxMigrator.migrate("flight-service", db.dataSource());
    FlightService.createSchema(db.dataSource());
  }

  /** One local run per command, so a failure is answered at once. */
  private static CommandProcessor processor() {
    return new CommandProcessor(
        "flight-service",
        new InboxRepository(),
        JsonMapper.builder().build(),
        Clock.systemUTC(),
        new LocalRetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)),
        new Counters());
  }

  private static String outcome(
      TransactionRunner transactions, CommandProcessor processor, InboundCommand command)
      throws Exception {
    ProducerRecord<String, byte[]> reply =
        transactions.inTransaction(tx -> processor.process(tx, command));
    return header(reply.headers(), SagaHeaders.OUTCOME);
  }

  private static InboundCommand attempt(InboundCommand c, int attempt) {
    return new InboundCommand(
        c.sagaId(),
        c.sagaType(),
        c.step(),
        c.phase(),
        attempt,
        "c-" + attempt,
        c.commandType(),
        c.replyTopic(),
        c.deadline(),
        c.traceparent(),
        c.command(),
        c.registration());
  }

  private static InboundCommand command(
      UUID saga, Phase phase, HandlerRegistration<?> registration, Object body, int attempt) {
    return new InboundCommand(
        saga,
        "trip-booking",
        "reserve-flight",
        phase,
        attempt,
        "c-" + phase.wireName() + "-" + attempt,
        registration.commandType(),
        "replies",
        null,
        null,
        body,
        registration);
  }
}
