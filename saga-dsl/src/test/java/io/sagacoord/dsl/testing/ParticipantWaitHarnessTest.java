package io.sagacoord.dsl.testing;

import static io.sagacoord.dsl.TripSaga.TripData;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.TripSaga;
import io.sagacoord.dsl.TripSaga.Booked;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent.ParticipantAvailable;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.dsl.engine.Transition.Disposition;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a saga does while a participant's circuit is open, scripted through the harness: it sends
 * nothing to the participant, waits without spending attempts, and either goes on when the
 * participant is back or compensates when its step timeout or deadline passes first.
 */
class ParticipantWaitHarnessTest {

  private final JacksonJsonCodec codec = new JacksonJsonCodec();

  private static long entries(SagaHarness<?> h, String type) {
    return h.log().stream().map(LogEntry::type).filter(type::equals).count();
  }

  @Test
  void aStepWhoseParticipantIsDownWaitsAndSendsItsFirstAttemptWhenItIsBack() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequential(), codec)
            .participantUnavailable("flight-service")
            .start(TripData.of("T1", true))
            .expectNoCommand()
            .expectStatus(SagaStatus.RUNNING)
            .expectStepStatus("book-flight", StepStatus.PARTICIPANT_WAIT)
            .advance(Duration.ofSeconds(9))
            .expectNoCommand()
            .participantAvailable("flight-service");
    h.expectCommand("flight-service", "BookFlight")
        .withAttempt(1)
        .replySuccess(new Booked("F1"))
        .expectCommand("hotel-service", "BookHotel");
    assertThat(entries(h, "PARTICIPANT_UNAVAILABLE")).isEqualTo(1);
    assertThat(entries(h, "PARTICIPANT_WAIT_ENDED")).isEqualTo(1);
    h.expectReplayReproducesState();
  }

  @Test
  void aWaitLongerThanTheStepTimeoutGivesTheStepUpAndCompensatesWhatWasDone() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequential(), codec).start(TripData.of("T1", true));
    h.expectCommand("flight-service", "BookFlight").replySuccess(new Booked("F1"));
    h.participantUnavailable("hotel-service");
    h.expectCommand("hotel-service", "BookHotel").replyTechnicalFailure("down");
    // the retry comes due while the hotel's circuit is open: it waits instead of being sent
    h.advance(Duration.ofSeconds(5))
        .expectNoCommand()
        .expectStepStatus("book-hotel", StepStatus.PARTICIPANT_WAIT);
    assertThat(h.state().step("book-hotel").forwardAttempt()).isEqualTo(1);
    // the step timeout (10 s) passes while it waits: given up, the flight is cancelled
    // (its undo waits for the hotel too: an attempt was sent before the circuit opened)
    h.advance(Duration.ofSeconds(10))
        .expectStatus(SagaStatus.COMPENSATING)
        .expectStepStatus("book-hotel", StepStatus.COMPENSATION_PARTICIPANT_WAIT)
        .expectNoCommand();
    assertThat(h.log()).extracting(LogEntry::type).contains("STEP_TIMED_OUT");
    h.participantAvailable("hotel-service")
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess();
    h.expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectReplayReproducesState();
  }

  @Test
  void theDeadlineEndsTheWaitOfAStepThatNeverSentAnything() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequentialWithDeadline(Duration.ofSeconds(5)), codec)
            .participantUnavailable("flight-service")
            .start(TripData.of("T1", true))
            .advance(Duration.ofSeconds(5))
            .expectStepStatus("book-flight", StepStatus.FAILED)
            .expectStatus(SagaStatus.COMPENSATED)
            .expectNoCommand();
    assertThat(entries(h, "DEADLINE_PASSED")).isEqualTo(1);
    assertThat(h.log())
        .filteredOn(e -> e.type().equals("PARTICIPANT_WAIT_ENDED"))
        .singleElement()
        .satisfies(e -> assertThat(e.detailJson()).contains("compensating"));
    h.expectReplayReproducesState();
  }

  @Test
  void anAvailableEventIsIgnoredWhileTheGateStillRefusesAndWhenNothingWaits() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequential(), codec)
            .participantUnavailable("flight-service")
            .start(TripData.of("T1", true));
    assertThat(h.feed(new ParticipantAvailable("flight-service")).disposition())
        .isEqualTo(Disposition.IGNORED);
    assertThat(h.feed(new ParticipantAvailable("hotel-service")).disposition())
        .isEqualTo(Disposition.IGNORED);
    h.expectNoCommand().expectStepStatus("book-flight", StepStatus.PARTICIPANT_WAIT);
  }

  @Test
  void aReleasedStepAsksTheGateOnceSoAHalfOpenCircuitSpendsOneTrialOnIt() {
    AtomicInteger asked = new AtomicInteger();
    SagaEngine engine =
        new SagaEngine(codec, p -> !p.equals("flight-service") || asked.incrementAndGet() > 1);
    Transition started =
        engine.start(
            TripSaga.sequential(),
            UUID.randomUUID(),
            codec.encode(TripData.of("T1", true)),
            SagaHarness.DEFAULT_START);
    assertThat(started.state().step("book-flight").status()).isEqualTo(StepStatus.PARTICIPANT_WAIT);
    Transition released =
        engine.apply(
            TripSaga.sequential(),
            started.state(),
            new ParticipantAvailable("flight-service"),
            SagaHarness.DEFAULT_START.plusSeconds(1));
    assertThat(asked.get()).isEqualTo(2);
    assertThat(released.state().step("book-flight").status()).isEqualTo(StepStatus.IN_PROGRESS);
    assertThat(released.effects()).filteredOn(SendCommand.class::isInstance).hasSize(1);
  }
}
