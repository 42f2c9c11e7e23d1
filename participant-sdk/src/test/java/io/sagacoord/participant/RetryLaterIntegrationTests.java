package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A handler that throws {@link RetryLater} hands its command back: nothing of it is recorded or
 * answered, it runs again after the delay, and meanwhile no handler thread waits for it.
 */
@SagaInfraTest
class RetryLaterIntegrationTests {
  private static final String LATER = "{\"flight\":\"LATER\",\"passenger\":\"Ada\"}";
  private static final String NOW = "{\"flight\":\"LX318\",\"passenger\":\"Bob\"}";

  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicInteger deferrals = new AtomicInteger();
  private ParticipantFixture fx;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) throws Exception {
    fx = new ParticipantFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
  }

  @Test
  void aDeferredCommandRunsAgainLaterWhileTheOnlyHandlerThreadAnswersOtherSagas() throws Exception {
    Participant participant =
        fx.start(
            fx.participantWithoutHandlers()
                .concurrency(1)
                .onCommand(
                    FlightService.RESERVE,
                    ReserveFlight.class,
                    (ctx, cmd) -> {
                      Outcome<?> outcome = fx.flights.reserve(ctx, cmd);
                      if (cmd.flight().equals("LATER") && !ready.get()) {
                        deferrals.incrementAndGet();
                        // the booking made above is rolled back with the deferral
                        throw new RetryLater(Duration.ofMillis(50), "not ready yet");
                      }
                      return outcome;
                    }));
    UUID waiting = UUID.randomUUID();
    CommandSpec first = CommandSpec.forward(waiting, FlightService.RESERVE, LATER);
    CommandSpec second =
        new CommandSpec(
            waiting,
            "reserve-return-flight",
            Phase.FORWARD,
            1,
            UUID.randomUUID().toString(),
            FlightService.RESERVE,
            NOW,
            null);
    fx.send(first);
    fx.send(second);
    // deferred, run again after its delay, deferred again: nothing waits on a thread meanwhile
    await().atMost(Duration.ofSeconds(60)).until(() -> deferrals.get() >= 3);

    int others = 5;
    for (int i = 0; i < others; i++) {
      fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, NOW));
    }
    List<ConsumerRecord<String, byte[]>> answered = fx.awaitReplies(others);

    assertThat(answered).extracting(ConsumerRecord::key).doesNotContain(waiting.toString());
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(others);

    ready.set(true);
    List<ConsumerRecord<String, byte[]>> all = fx.awaitReplies(others + 2);
    List<ConsumerRecord<String, byte[]>> ofWaiting =
        all.stream().filter(r -> r.key().equals(waiting.toString())).toList();
    assertThat(ofWaiting)
        .extracting(r -> header(r, SagaHeaders.STEP))
        .as("the saga's second command waited behind its deferred first one")
        .containsExactly("reserve-flight", "reserve-return-flight");
    assertThat(ofWaiting).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(others + 2);
    assertThat(participant.metrics().technicalFailures()).isZero();
  }
}
