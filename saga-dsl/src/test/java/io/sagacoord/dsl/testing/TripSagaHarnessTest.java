package io.sagacoord.dsl.testing;

import static io.sagacoord.dsl.TripSaga.TripData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.TripSaga;
import io.sagacoord.dsl.TripSaga.BookFlight;
import io.sagacoord.dsl.TripSaga.Booked;
import io.sagacoord.dsl.TripSaga.CancelFlight;
import io.sagacoord.dsl.TripSaga.Rejection;
import io.sagacoord.dsl.engine.Effect;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.RefusalCode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trip saga (flight, hotel, car, pivot charge, retriable itinerary) through the harness: one
 * test per behaviour of the engine.
 */
class TripSagaHarnessTest {

  private static final List<String> FORWARD =
      List.of("book-flight", "book-hotel", "rent-car", "charge");
  private static final Map<String, String[]> COMMANDS =
      Map.of(
          "book-flight", new String[] {"flight-service", "BookFlight", "CancelFlight"},
          "book-hotel", new String[] {"hotel-service", "BookHotel", "CancelHotel"},
          "rent-car", new String[] {"car-service", "RentCar", "CancelCar"},
          "charge", new String[] {"payment-service", "Charge", null});

  private final JacksonJsonCodec codec = new JacksonJsonCodec();

  private SagaHarness<TripData> trip() {
    return SagaHarness.given(TripSaga.sequential(), codec).start(TripData.of("T1", true));
  }

  private static SagaHarness<TripData> succeed(SagaHarness<TripData> h, String step) {
    String[] c = COMMANDS.get(step);
    return h.expectCommand(c[0], c[1]).replySuccess(new Booked(step + "-id"));
  }

  @Test
  void completesTheTripWhenEveryParticipantSucceeds() {
    SagaHarness.given(TripSaga.sequential(), codec)
        .start(TripData.of("T1", true))
        .expectCommand("flight-service", "BookFlight")
        .withPayload(BookFlight.class, c -> assertThat(c.tripId()).isEqualTo("T1"))
        .withAttempt(1)
        .replySuccess(new Booked("F1"))
        .expectCommand("hotel-service", "BookHotel")
        .replySuccess(new Booked("H1"))
        .expectCommand("car-service", "RentCar")
        .replySuccess(new Booked("C1"))
        .expectCommand("payment-service", "Charge")
        .replySuccess(new Booked("P1"))
        .expectCommand("itinerary-service", "IssueItinerary")
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectNoCommand()
        .expectData(d -> assertThat(d.itineraryId()).isEqualTo("I1"))
        .expectData(d -> assertThat(d.flightId()).isEqualTo("F1"))
        .expectStepStatus("rent-car", StepStatus.SUCCEEDED)
        .expectCompensationOrder()
        .expectReplayReproducesState();
  }

  @ParameterizedTest(name = "business failure at step {0}")
  @ValueSource(ints = {1, 2, 3, 4})
  void failureAtStepKCompensatesEarlierStepsInReverseOrderExactlyOnce(int k) {
    SagaHarness<TripData> h = trip();
    for (int i = 0; i < k - 1; i++) {
      succeed(h, FORWARD.get(i));
    }
    String failing = FORWARD.get(k - 1);
    String[] c = COMMANDS.get(failing);
    h.expectCommand(c[0], c[1]).replyBusinessFailure(new Rejection("no"));
    String[] expected = new String[k - 1];
    for (int i = k - 2, j = 0; i >= 0; i--, j++) {
      String step = FORWARD.get(i);
      expected[j] = step;
      String[] cc = COMMANDS.get(step);
      h.expectCompensation(cc[0], cc[2]).replySuccess();
    }
    h.expectStatus(SagaStatus.COMPENSATED)
        .expectNoCommand()
        .expectCompensationOrder(expected)
        .expectStepStatus(failing, StepStatus.FAILED)
        .expectData(d -> assertThat(d.failure()).isEqualTo(k == 4 ? null : "no"))
        .expectReplayReproducesState();
    Map<String, Long> compensationsPerStep =
        h.sentCommands().stream()
            .filter(s -> s.phase() == Phase.COMPENSATE)
            .collect(Collectors.groupingBy(SendCommand::step, Collectors.counting()));
    assertThat(compensationsPerStep.values()).allMatch(n -> n == 1L);
    assertThat(compensationsPerStep).doesNotContainKey(failing);
  }

  @Test
  void aStepThatTimesOutOnEveryAttemptIsCompensatedToo() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel").noReply();
    // 3 attempts of 10 s with 1 s and 2 s back-off in between
    h.advance(Duration.ofSeconds(11));
    h.expectCommand("hotel-service", "BookHotel").withAttempt(2).noReply();
    h.advance(Duration.ofSeconds(12));
    h.expectCommand("hotel-service", "BookHotel").withAttempt(3).noReply();
    h.advance(Duration.ofSeconds(10))
        .expectStatus(SagaStatus.COMPENSATING)
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-hotel", "book-flight")
        .expectReplayReproducesState();
  }

  @Test
  void technicalFailuresAreRetriedOnTheExponentialBackOffThenCompensate() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel").replyTechnicalFailure("db down");
    h.advance(Duration.ofMillis(999)).expectNoCommand();
    h.advance(Duration.ofMillis(1));
    Instant second = h.now();
    h.expectCommand("hotel-service", "BookHotel").withAttempt(2).replyTechnicalFailure("db down");
    h.advance(Duration.ofMillis(1999)).expectNoCommand();
    h.advance(Duration.ofMillis(1));
    assertThat(Duration.between(second, h.now())).isEqualTo(Duration.ofSeconds(2));
    h.expectCommand("hotel-service", "BookHotel")
        .withAttempt(3)
        .replyTechnicalFailure("db down")
        // exhausted: a technical failure means the hotel rolled back, so only the flight is undone
        .expectStepStatus("book-hotel", StepStatus.FAILED)
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-flight")
        .expectReplayReproducesState();
  }

  @Test
  void afterThePivotAFailureIsRetriedForwardAndNeverCompensated() {
    SagaHarness<TripData> h = trip();
    FORWARD.forEach(s -> succeed(h, s));
    h.expectCommand("itinerary-service", "IssueItinerary")
        .replyBusinessFailure(new Rejection("printer jam"));
    h.advance(Duration.ofSeconds(2));
    h.expectCommand("itinerary-service", "IssueItinerary")
        .withAttempt(2)
        .replyTechnicalFailure("boom");
    h.advance(Duration.ofSeconds(2));
    h.expectCommand("itinerary-service", "IssueItinerary")
        .withAttempt(3)
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectCompensationOrder()
        .expectReplayReproducesState();
  }

  @Test
  void aRetriableStepThatExhaustsItsRetriesFailsTheSagaWithoutCompensation() {
    SagaHarness<TripData> h = trip();
    FORWARD.forEach(s -> succeed(h, s));
    for (int attempt = 1; attempt <= 4; attempt++) {
      h.expectCommand("itinerary-service", "IssueItinerary")
          .withAttempt(attempt)
          .replyBusinessFailure(new Rejection("no"));
      h.advance(Duration.ofSeconds(2));
    }
    h.expectStatus(SagaStatus.FAILED)
        .expectStatusReasonContaining("step after pivot exhausted")
        .expectNoCommand()
        .expectCompensationOrder()
        .expectReplayReproducesState();
    // an operator fixed it by hand
    h.operatorResolve()
        .expectStatus(SagaStatus.COMPLETED)
        .expectStatusReasonContaining("resolved by test-operator");
    assertThat(h.log()).extracting(LogEntry::type).contains("OPERATOR_RESOLVED");
  }

  @Test
  void theDeadlineCompensatesBeforeThePivotOnceInFlightStepsHaveAnswered() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequentialWithDeadline(Duration.ofSeconds(15)), codec)
            .start(TripData.of("T1", true));
    SentCommand<TripData> flight = h.expectCommand("flight-service", "BookFlight");
    assertThat(flight.command().deadline()).isEqualTo(SagaHarness.DEFAULT_START.plusSeconds(15));
    h.advance(Duration.ofSeconds(2));
    flight.replySuccess(new Booked("F1"));
    h.expectCommand("hotel-service", "BookHotel").noReply();
    h.advance(Duration.ofSeconds(13)); // hotel times out at 12 s, retried at 13 s, deadline 15 s
    h.expectCommand("hotel-service", "BookHotel")
        .withAttempt(2)
        .noReply()
        .expectStatus(SagaStatus.COMPENSATING)
        .expectNoCommand() // the hotel's second attempt is still in flight
        .advance(Duration.ofSeconds(8)) // it times out at 23 s: no retry while compensating
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectStatusReasonContaining("deadline")
        .expectReplayReproducesState();
  }

  @Test
  void theDeadlineAfterThePivotIsIgnoredAndTheSagaCompletesForward() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequentialWithDeadline(Duration.ofSeconds(15)), codec)
            .start(TripData.of("T1", true));
    FORWARD.forEach(s -> succeed(h, s));
    SendCommand issue = h.expectCommand("itinerary-service", "IssueItinerary").command();
    assertThat(issue.deadline()).as("after the pivot commands carry no deadline").isNull();
    h.advance(Duration.ofSeconds(12)); // timeout at 10 s, retry at 12 s
    h.advance(Duration.ofSeconds(4)); // deadline at 15 s
    h.expectStatus(SagaStatus.RUNNING)
        .expectCommand("itinerary-service", "IssueItinerary")
        .withAttempt(2)
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectCompensationOrder()
        .expectReplayReproducesState();
  }

  @Test
  void aFailingMemberOfAParallelGroupWaitsForItsSiblingThenCompensatesIt() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.withParallelStay(), codec).start(TripData.of("T1", true));
    succeed(h, "book-flight");
    SentCommand<TripData> hotel = h.expectCommand("hotel-service", "BookHotel");
    h.expectCommand("car-service", "RentCar")
        .replyBusinessFailure(new Rejection("no cars"))
        .expectStatus(SagaStatus.COMPENSATING)
        .expectNoCommand(); // the hotel has not answered yet
    hotel
        .replySuccess(new Booked("H1"))
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-hotel", "book-flight")
        .expectStepStatus("rent-car", StepStatus.FAILED)
        .expectReplayReproducesState();
  }

  @Test
  void aParallelSiblingThatTimesOutAfterAFailureIsCompensatedToo() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.withParallelStay(), codec).start(TripData.of("T1", true));
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel").noReply();
    h.expectCommand("car-service", "RentCar").replyBusinessFailure(new Rejection("no cars"));
    h.advance(Duration.ofSeconds(10))
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-hotel", "book-flight");
  }

  @Test
  void aStepSkippedByItsConditionIsNeverCompensated() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequential(), codec).start(TripData.of("T1", false));
    succeed(h, "book-flight");
    succeed(h, "book-hotel");
    h.expectStepStatus("rent-car", StepStatus.SKIPPED)
        .expectCommand("payment-service", "Charge")
        .replyBusinessFailure(new Rejection("card declined"))
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-hotel", "book-flight");
  }

  @Test
  void aRefusedForwardCommandIsNotCompensatedAndARefusedCompensationCountsAsDone() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel")
        .replyRefused(RefusalCode.DEADLINE_PASSED)
        .expectStepStatus("book-hotel", StepStatus.FAILED)
        .expectCompensation("flight-service", "CancelFlight")
        .replyRefused(RefusalCode.FENCED)
        .expectStepStatus("book-flight", StepStatus.COMPENSATED)
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-flight");
  }

  @Test
  void anExhaustedCompensationFailsTheSagaAndAnOperatorRetryFinishesIt() {
    // the trip sets a compensation budget explicitly: 3 attempts
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel").replyBusinessFailure(new Rejection("full"));
    for (int attempt = 1; attempt <= 3; attempt++) {
      h.expectCompensation("flight-service", "CancelFlight")
          .withAttempt(attempt)
          .replyTechnicalFailure("flight db down");
      h.advance(Duration.ofSeconds(5));
    }
    h.expectStatus(SagaStatus.FAILED)
        .expectStatusReasonContaining("compensation exhausted")
        .expectStepStatus("book-flight", StepStatus.COMPENSATION_FAILED)
        .operatorRetry("book-flight")
        .expectStatus(SagaStatus.COMPENSATING)
        .expectCompensation("flight-service", "CancelFlight")
        .withAttempt(4)
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectReplayReproducesState();
  }

  /** Flight and hotel with the library's default compensation policy (no budget). */
  private static SagaDefinition<TripData> defaultCompensationPolicy() {
    return SagaDefinition.named("trip-default-compensation", TripData.class)
        .defaultTimeout(Duration.ofSeconds(10))
        .step("book-flight")
        .invoke(TripSaga.FLIGHTS, "BookFlight", d -> new BookFlight(d.tripId()))
        .onReply(Booked.class, (d, r) -> d)
        .compensateWith("CancelFlight", d -> new CancelFlight(d.tripId(), "F1"))
        .step("book-hotel")
        .invoke(TripSaga.HOTELS, "BookHotel", d -> new TripSaga.BookHotel(d.tripId()))
        .compensateWith("CancelHotel", d -> new TripSaga.CancelHotel(d.tripId(), "H1"))
        .build();
  }

  @Test
  void aCompensationWithoutASetBudgetIsRetriedPastTenAttemptsOnACappedBackOff() {
    SagaHarness<TripData> h =
        SagaHarness.given(defaultCompensationPolicy(), codec).start(TripData.of("T1", false));
    h.expectCommand("flight-service", "BookFlight").replySuccess(new Booked("F1"));
    h.expectCommand("hotel-service", "BookHotel").replyBusinessFailure(new Rejection("full"));
    for (int attempt = 1; attempt <= 14; attempt++) {
      SentCommand<TripData> cancel =
          h.expectCompensation("flight-service", "CancelFlight").withAttempt(attempt);
      if (attempt % 2 == 0) {
        cancel.replyTechnicalFailure("flight db down");
      } else {
        cancel.noReply().advance(Duration.ofSeconds(10)); // times out
      }
      h.expectStatus(SagaStatus.COMPENSATING)
          .expectStepStatus("book-flight", StepStatus.COMPENSATION_RETRY_WAIT);
      ScheduleTimer retry =
          h.pendingTimers().stream().filter(t -> t.kind() == TimerKind.RETRY).findFirst().get();
      h.advanceTo(retry.dueAt());
    }
    h.expectCompensation("flight-service", "CancelFlight")
        .withAttempt(15)
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("book-flight")
        .expectReplayReproducesState();
    List<Long> delays =
        h.log().stream()
            .filter(e -> e.type().equals("RETRY_SCHEDULED"))
            .map(e -> codec.decode(e.detailJson(), Map.class).get("delayMillis"))
            .map(d -> ((Number) d).longValue())
            .toList();
    assertThat(delays).hasSize(14);
    long cap = RetryPolicy.DEFAULT_COMPENSATION.maxDelay().toMillis();
    assertThat(delays).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(cap));
    assertThat(delays.subList(8, 14))
        .as("the back-off stops growing at the cap (equal jitter: half of it at least)")
        .allSatisfy(d -> assertThat(d).isGreaterThanOrEqualTo(cap / 2));
  }

  @Test
  void aCompensationAnsweredWithABusinessFailureFailsTheSagaAtOnce() {
    SagaHarness<TripData> h =
        SagaHarness.given(defaultCompensationPolicy(), codec).start(TripData.of("T1", false));
    h.expectCommand("flight-service", "BookFlight").replySuccess(new Booked("F1"));
    h.expectCommand("hotel-service", "BookHotel").replyBusinessFailure(new Rejection("full"));
    h.expectCompensation("flight-service", "CancelFlight")
        .replyBusinessFailure(new Rejection("ticket already used"))
        .expectStatus(SagaStatus.FAILED)
        .expectStatusReasonContaining("business failure")
        .expectStepStatus("book-flight", StepStatus.COMPENSATION_FAILED)
        .expectNoCommand()
        .expectReplayReproducesState();
  }

  @Test
  void forcedCompensationIsRejectedAfterThePivotAndAppliedBeforeIt() {
    SagaHarness<TripData> before = trip();
    succeed(before, "book-flight");
    SentCommand<TripData> hotel = before.expectCommand("hotel-service", "BookHotel");
    before.operatorForceCompensation().expectStatus(SagaStatus.COMPENSATING).expectNoCommand();
    hotel
        .replySuccess(new Booked("H1"))
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectStatusReasonContaining("forced by test-operator");

    SagaHarness<TripData> after = trip();
    FORWARD.forEach(s -> succeed(after, s));
    after.operatorForceCompensation();
    assertThat(after.lastTransition().disposition()).isEqualTo(Disposition.REJECTED);
    after.expectStatus(SagaStatus.RUNNING).expectCompensationOrder();
  }

  @Test
  void aPivotWhoseOutcomeStaysUnknownIsAskedAgainPastItsBudgetUntilItAnswers() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    succeed(h, "book-hotel");
    succeed(h, "rent-car");
    h.expectCommand("payment-service", "Charge").noReply();
    h.advance(Duration.ofSeconds(11)).expectCommand("payment-service", "Charge").noReply();
    h.advance(Duration.ofSeconds(12)).expectCommand("payment-service", "Charge").noReply();
    // the third attempt, the last of the policy's budget, times out at 33 s: asked again at 37 s
    h.advance(Duration.ofSeconds(10))
        .expectStatus(SagaStatus.RUNNING)
        .expectStepStatus("charge", StepStatus.RETRY_WAIT)
        .expectNoCommand()
        .advance(Duration.ofSeconds(4))
        .expectCommand("payment-service", "Charge")
        .withAttempt(4)
        .replySuccess(new Booked("P1"))
        .expectCommand("itinerary-service", "IssueItinerary")
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectCompensationOrder()
        .expectReplayReproducesState();
    assertThat(h.log()).extracting(LogEntry::type).doesNotContain("STEP_TIMED_OUT");
  }

  /**
   * Trip with a 15-s deadline: the charge's first attempt times out at 10 s, its second at 21 s.
   */
  private SagaHarness<TripData> chargeInFlightWhenTheDeadlinePasses() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequentialWithDeadline(Duration.ofSeconds(15)), codec)
            .start(TripData.of("T1", true));
    succeed(h, "book-flight");
    succeed(h, "book-hotel");
    succeed(h, "rent-car");
    h.expectCommand("payment-service", "Charge").noReply();
    h.advance(Duration.ofSeconds(11)).expectCommand("payment-service", "Charge").noReply();
    h.advance(Duration.ofSeconds(4)) // the deadline passes with the second attempt in flight
        .expectStatus(SagaStatus.COMPENSATING)
        .expectNoCommand()
        .advance(Duration.ofSeconds(6)) // it times out at 21 s: asked again at 23 s
        .expectStatus(SagaStatus.COMPENSATING)
        .expectStepStatus("charge", StepStatus.RETRY_WAIT)
        .expectNoCommand()
        .advance(Duration.ofSeconds(2));
    return h;
  }

  @Test
  void aPivotInFlightWhenTheDeadlinePassesIsAskedAgainAndItsSuccessCompletesTheSaga() {
    SagaHarness<TripData> h = chargeInFlightWhenTheDeadlinePasses();
    SentCommand<TripData> again = h.expectCommand("payment-service", "Charge").withAttempt(3);
    assertThat(again.command().deadline()).isEqualTo(SagaHarness.DEFAULT_START.plusSeconds(15));
    again
        .replySuccess(new Booked("P1")) // the stored outcome of an earlier attempt
        .expectStatus(SagaStatus.RUNNING)
        .expectCommand("itinerary-service", "IssueItinerary")
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectData(d -> assertThat(d.paymentId()).isEqualTo("P1"))
        .expectCompensationOrder()
        .expectReplayReproducesState();
    assertThat(h.log()).extracting(LogEntry::type).contains("COMPENSATION_ABANDONED");
  }

  @Test
  void aPivotInFlightWhenTheDeadlinePassesIsAskedAgainAndItsRefusalCompensatesTheSaga() {
    SagaHarness<TripData> h = chargeInFlightWhenTheDeadlinePasses();
    h.expectCommand("payment-service", "Charge")
        .withAttempt(3)
        .replyRefused(RefusalCode.DEADLINE_PASSED)
        .expectStepStatus("charge", StepStatus.FAILED)
        .expectCompensation("car-service", "CancelCar")
        .replySuccess()
        .expectCompensation("hotel-service", "CancelHotel")
        .replySuccess()
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectStatusReasonContaining("deadline")
        .expectCompensationOrder("rent-car", "book-hotel", "book-flight")
        .expectReplayReproducesState();
  }

  @Test
  void aPivotAnsweredByAnEarlierAttemptWhileTheSagaCompensatesSettlesIt() {
    SagaHarness<TripData> h =
        SagaHarness.given(TripSaga.sequentialWithDeadline(Duration.ofSeconds(15)), codec)
            .start(TripData.of("T1", true));
    succeed(h, "book-flight");
    succeed(h, "book-hotel");
    succeed(h, "rent-car");
    SentCommand<TripData> first = h.expectCommand("payment-service", "Charge");
    h.advance(Duration.ofSeconds(16)) // timed out at 10 s, asked again at 11 s, deadline at 15 s
        .expectStatus(SagaStatus.COMPENSATING)
        .expectCommand("payment-service", "Charge")
        .withAttempt(2);
    first
        .replySuccess(new Booked("P1")) // answered in time, applied late
        .expectStatus(SagaStatus.RUNNING)
        .expectStepStatus("charge", StepStatus.SUCCEEDED)
        .expectCommand("itinerary-service", "IssueItinerary")
        .replySuccess(new Booked("I1"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectReplayReproducesState();
  }

  @Test
  void aLateSuccessOfAnEarlierAttemptSettlesTheStepAndOtherStaleRepliesAreIgnored() {
    SagaHarness<TripData> h = trip();
    SentCommand<TripData> flight = h.expectCommand("flight-service", "BookFlight");
    flight.replySuccess(new Booked("F1"));
    var before = h.state();
    flight.replySuccess(new Booked("F1"));
    assertThat(h.lastTransition().disposition()).isEqualTo(Disposition.IGNORED);
    assertThat(h.state()).isEqualTo(before);
    SentCommand<TripData> first = h.expectCommand("hotel-service", "BookHotel");
    h.advance(Duration.ofSeconds(11));
    SentCommand<TripData> second = h.expectCommand("hotel-service", "BookHotel").withAttempt(2);
    before = h.state();
    first.replyRefused(RefusalCode.STALE_ATTEMPT); // a fenced older attempt says nothing
    assertThat(h.lastTransition().disposition()).isEqualTo(Disposition.IGNORED);
    first.replyTechnicalFailure("rolled back");
    assertThat(h.lastTransition().disposition()).isEqualTo(Disposition.IGNORED);
    assertThat(h.state()).isEqualTo(before);
    first.replySuccess(new Booked("H1"));
    assertThat(h.lastTransition().disposition()).isEqualTo(Disposition.APPLIED);
    h.expectStepStatus("book-hotel", StepStatus.SUCCEEDED)
        .expectData(d -> assertThat(d.hotelId()).isEqualTo("H1"));
    assertThat(h.lastTransition().effects())
        .as("the second attempt's timeout goes")
        .anySatisfy(e -> assertThat(e).isInstanceOf(Effect.CancelTimers.class));
    before = h.state();
    second.replySuccess(new Booked("H1"));
    assertThat(h.lastTransition().disposition()).isEqualTo(Disposition.IGNORED);
    assertThat(h.state()).isEqualTo(before);
    h.expectCommand("car-service", "RentCar");
    h.expectReplayReproducesState();
  }

  @Test
  void aLateSuccessSettlesAStepWaitingForItsRetry() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    SentCommand<TripData> first = h.expectCommand("hotel-service", "BookHotel");
    h.advance(Duration.ofMillis(10_500)).expectStepStatus("book-hotel", StepStatus.RETRY_WAIT);
    first
        .replySuccess(new Booked("H1"))
        .expectStepStatus("book-hotel", StepStatus.SUCCEEDED)
        .expectCommand("car-service", "RentCar");
    h.advance(Duration.ofSeconds(1)).expectNoCommand().expectReplayReproducesState();
  }

  @Test
  void anExceptionInDefinitionCodeFailsTheSagaWithTheStackTraceInTheLog() {
    SagaDefinition<TripData> broken =
        SagaDefinition.named("broken-trip", TripData.class)
            .step("book-flight")
            .invoke(TripSaga.FLIGHTS, "BookFlight", d -> new BookFlight(d.tripId()))
            .onReply(
                Booked.class,
                (d, r) -> {
                  throw new IllegalStateException("handler bug " + r.id());
                })
            .compensateWith("CancelFlight", d -> new CancelFlight(d.tripId(), d.flightId()))
            .build();
    SagaHarness<TripData> h =
        SagaHarness.given(broken, codec)
            .start(TripData.of("T1", true))
            .expectCommand("flight-service", "BookFlight")
            .replySuccess(new Booked("F1"))
            .expectStatus(SagaStatus.FAILED)
            .expectStatusReasonContaining("handler bug F1");
    LogEntry entry =
        h.log().stream()
            .filter(l -> l.type().equals("DEFINITION_CODE_FAILED"))
            .findFirst()
            .orElseThrow();
    assertThat(entry.step()).isEqualTo("book-flight");
    assertThat(entry.detailJson()).contains("stackTrace").contains("IllegalStateException");
    assertThat(h.state().previousStatus()).isEqualTo(SagaStatus.RUNNING);
  }

  @Test
  void anErrorInDefinitionCodeFailsTheSagaLikeAnException() {
    for (Error error :
        List.<Error>of(
            new AssertionError("assertion in handler"),
            new StackOverflowError("recursion in handler"),
            new NoClassDefFoundError("com/example/Missing"))) {
      SagaDefinition<TripData> broken =
          SagaDefinition.named("erroring-trip", TripData.class)
              .step("book-flight")
              .invoke(TripSaga.FLIGHTS, "BookFlight", d -> new BookFlight(d.tripId()))
              .onReply(
                  Booked.class,
                  (d, r) -> {
                    throw error;
                  })
              .compensateWith("CancelFlight", d -> new CancelFlight(d.tripId(), d.flightId()))
              .build();
      SagaHarness<TripData> h =
          SagaHarness.given(broken, codec)
              .start(TripData.of("T1", true))
              .expectCommand("flight-service", "BookFlight")
              .replySuccess(new Booked("F1"))
              .expectStatus(SagaStatus.FAILED)
              .expectStatusReasonContaining(error.getClass().getName());
      assertThat(h.log())
          .anyMatch(
              l ->
                  l.type().equals("DEFINITION_CODE_FAILED")
                      && l.detailJson().contains(error.getClass().getName()));
      h.expectReplayReproducesState();
    }
  }

  @Test
  void anOutOfMemoryErrorInDefinitionCodeIsNotTurnedIntoASagaFailure() {
    SagaDefinition<TripData> broken =
        SagaDefinition.named("oom-trip", TripData.class)
            .step("book-flight")
            .invoke(
                TripSaga.FLIGHTS,
                "BookFlight",
                d -> {
                  throw new OutOfMemoryError("simulated");
                })
            .compensateWith("CancelFlight", d -> new CancelFlight(d.tripId(), d.flightId()))
            .build();

    assertThatThrownBy(() -> SagaHarness.given(broken, codec).start(TripData.of("T1", true)))
        .isInstanceOf(OutOfMemoryError.class);
  }

  @Test
  void retryDelaysWithJitterAreTheSameOnEveryRun() {
    SagaDefinition<TripData> jittery =
        SagaDefinition.named("jittery", TripData.class)
            .step("book-flight")
            .invoke(ParticipantRef.named("flight-service"), "BookFlight", d -> d.tripId())
            .noCompensation()
            .retry(
                io.sagacoord.dsl.RetryPolicy.exponential(5, Duration.ofSeconds(10))
                    .withJitter(io.sagacoord.dsl.Jitter.FULL))
            .build();
    Function<UUID, Instant> retryDue =
        id -> {
          SagaHarness<TripData> h =
              SagaHarness.given(jittery, codec).withSagaId(id).start(TripData.of("T", false));
          h.expectCommand("flight-service", "BookFlight").replyTechnicalFailure("x");
          return h.pendingTimers().stream()
              .filter(t -> t.kind() == TimerKind.RETRY)
              .map(ScheduleTimer::dueAt)
              .findFirst()
              .orElseThrow();
        };
    UUID a = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    UUID b = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    assertThat(retryDue.apply(a)).isEqualTo(retryDue.apply(a));
    assertThat(retryDue.apply(a)).isNotEqualTo(retryDue.apply(b));
    assertThat(retryDue.apply(a))
        .isBetween(SagaHarness.DEFAULT_START, SagaHarness.DEFAULT_START.plusSeconds(10));
  }

  @Test
  void anOperatorRetrySendsAStepWaitingForItsBackOffAtOnce() {
    SagaHarness<TripData> h = trip();
    h.expectCommand("flight-service", "BookFlight").replyTechnicalFailure("db down");
    h.operatorRetry("book-flight")
        .expectCommand("flight-service", "BookFlight")
        .withAttempt(2)
        .replySuccess(new Booked("F1"))
        .advance(Duration.ofSeconds(1)) // the old back-off timer is stale now
        .expectCommand("hotel-service", "BookHotel")
        .withAttempt(1)
        .noReply()
        .expectNoCommand()
        .expectReplayReproducesState();
  }

  @Test
  void aFailedSagaBeforeThePivotCanBeForcedToCompensateOrResolved() {
    SagaHarness<TripData> h = trip();
    succeed(h, "book-flight");
    h.expectCommand("hotel-service", "BookHotel").replyBusinessFailure(new Rejection("full"));
    for (int attempt = 1; attempt <= 3; attempt++) {
      h.expectCompensation("flight-service", "CancelFlight").replyTechnicalFailure("down");
      h.advance(Duration.ofSeconds(5));
    }
    h.expectStatus(SagaStatus.FAILED)
        .operatorForceCompensation()
        .expectStatus(SagaStatus.COMPENSATING)
        .expectCompensation("flight-service", "CancelFlight")
        .withAttempt(4)
        .replyTechnicalFailure("still down");
    h.advance(Duration.ofSeconds(5));
    h.expectCompensation("flight-service", "CancelFlight")
        .withAttempt(5)
        .replyTechnicalFailure("x");
    h.advance(Duration.ofSeconds(5));
    h.expectCompensation("flight-service", "CancelFlight")
        .withAttempt(6)
        .replyTechnicalFailure("x")
        .expectStatus(SagaStatus.FAILED)
        .operatorResolve()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectStatusReasonContaining("resolved by test-operator")
        .expectReplayReproducesState();
  }

  /** Jackson cannot write an object that refers to itself. */
  public static final class Opaque {
    public Opaque getSelf() {
      return this;
    }
  }

  /** Jackson cannot read an interface-typed field back. */
  record OpaqueData(String id, Runnable callback) {}

  @Test
  void dataThatCannotBeSerialisedFailsInTheHarnessNotFirstInTheServer() {
    SagaDefinition<OpaqueData> def =
        SagaDefinition.named("opaque", OpaqueData.class)
            .step("a")
            .invoke(ParticipantRef.named("svc"), "A", d -> d.id())
            .noCompensation()
            .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SagaHarness.given(def, codec).start(new OpaqueData("x", () -> {})))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void aCommandThatCannotBeSerialisedFailsTheSagaNamingTheStep() {
    SagaDefinition<TripData> def =
        SagaDefinition.named("opaque-command", TripData.class)
            .step("a")
            .invoke(ParticipantRef.named("svc"), "A", d -> new Opaque())
            .noCompensation()
            .build();
    SagaHarness.given(def, codec)
        .start(TripData.of("T", false))
        .expectStatus(SagaStatus.FAILED)
        .expectStatusReasonContaining("step 'a' (encoding the forward command)")
        .expectNoCommand();
  }
}
