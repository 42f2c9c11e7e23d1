package io.sagacoord.dsl.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaBuilder;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StartDataViolationsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a definition author sees at the door: rejected data, refused and waiting starts. */
class StartAtTheDoorHarnessTest {

  static final ParticipantRef FLIGHTS = ParticipantRef.named("flight-service");
  static final ParticipantRef HOTELS = ParticipantRef.named("hotel-service");

  record Trip(String tripId, String flight, int nights) {}

  record Book(String tripId) {}

  record Cancel(String tripId) {}

  private final JacksonJsonCodec codec = new JacksonJsonCodec();

  static SagaDefinition<Trip> trip(StartWhenUnavailable whenUnavailable) {
    SagaBuilder<Trip> saga =
        SagaDefinition.named("door-trip", Trip.class)
            .deadline(Duration.ofMinutes(5))
            .defaultTimeout(Duration.ofSeconds(10))
            .validate(
                t -> {
                  List<String> violations = new ArrayList<>();
                  if (t.flight() == null || t.flight().isBlank()) {
                    violations.add("a trip needs a flight");
                  }
                  if (t.nights() < 1) {
                    violations.add("nights must be at least 1, was " + t.nights());
                  }
                  return violations;
                });
    if (whenUnavailable != null) {
      saga = saga.whenFirstParticipantUnavailable(whenUnavailable);
    }
    return saga.step("book-flight")
        .invoke(FLIGHTS, "BookFlight", t -> new Book(t.tripId()))
        .compensateWith("CancelFlight", t -> new Cancel(t.tripId()))
        .step("book-hotel")
        .invoke(HOTELS, "BookHotel", t -> new Book(t.tripId()))
        .compensateWith("CancelHotel", t -> new Cancel(t.tripId()))
        .build();
  }

  @Test
  void startDataThatBreaksTheRulesIsRejectedWithEveryViolationAndNoSagaStarts() {
    SagaHarness<Trip> h =
        SagaHarness.given(trip(null), codec)
            .start(new Trip("T1", null, 0))
            .expectStartRejected("a trip needs a flight", "nights must be at least 1, was 0");

    assertThat(h.sentCommands()).isEmpty();
    assertThatThrownBy(() -> h.expectStatus(SagaStatus.RUNNING))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a trip needs a flight");
  }

  @Test
  void expectStartRejectedFailsWhenTheDataIsAcceptable() {
    SagaHarness<Trip> h = SagaHarness.given(trip(null), codec).start(new Trip("T1", "LH1", 2));

    assertThatThrownBy(h::expectStartRejected)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the saga started");
    h.expectCommand("flight-service", "BookFlight");
  }

  @Test
  void aDefinitionThatRefusesIsRefusedWhenItsFirstParticipantHasNoLiveInstance() {
    SagaHarness<Trip> h =
        SagaHarness.given(trip(StartWhenUnavailable.REFUSE), codec)
            .givenNoLiveInstance("flight-service")
            .start(new Trip("T1", "LH1", 2))
            .expectStartRefusedFor("flight-service");

    assertThat(h.refusal().orElseThrow().reason())
        .isEqualTo("participant flight-service has no live instance");
    assertThat(h.sentCommands()).isEmpty();
  }

  @Test
  void aParticipantOfALaterStepBeingDownDoesNotRefuseTheStart() {
    SagaHarness.given(trip(StartWhenUnavailable.REFUSE), codec)
        .givenNoLiveInstance("hotel-service")
        .start(new Trip("T1", "LH1", 2))
        .expectCommand("flight-service", "BookFlight")
        .replySuccess()
        .expectCommand("hotel-service", "BookHotel");
  }

  @Test
  void aDefinitionThatAcceptsAndWaitsStartsAndItsCommandTimesOutWhileTheParticipantIsDown() {
    SagaHarness<Trip> h =
        SagaHarness.given(trip(StartWhenUnavailable.ACCEPT_AND_WAIT), codec)
            .withCoordinatorDefault(StartWhenUnavailable.REFUSE)
            .givenNoLiveInstance("flight-service")
            .start(new Trip("T1", "LH1", 2));

    assertThatThrownBy(h::expectStartRefused).isInstanceOf(AssertionError.class);
    h.expectCommand("flight-service", "BookFlight");
    h.advance(Duration.ofMinutes(5))
        .expectStatus(SagaStatus.COMPENSATING)
        .expectCompensation("flight-service", "CancelFlight")
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void theCoordinatorDefaultAppliesToADefinitionThatSetsNone() {
    SagaHarness.given(trip(null), codec)
        .withCoordinatorDefault(StartWhenUnavailable.REFUSE)
        .givenNoLiveInstance("flight-service")
        .start(new Trip("T1", "LH1", 2))
        .expectStartRefused();

    SagaHarness.given(trip(null), codec)
        .givenNoLiveInstance("flight-service")
        .start(new Trip("T1", "LH1", 2))
        .expectCommand("flight-service", "BookFlight");
  }

  @Test
  void aParticipantThatIsLiveAgainTakesTheStart() {
    SagaHarness.given(trip(StartWhenUnavailable.REFUSE), codec)
        .givenNoLiveInstance("flight-service")
        .givenLiveInstance("flight-service")
        .start(new Trip("T1", "LH1", 2))
        .expectCommand("flight-service", "BookFlight");
  }

  @Test
  void aReplayOfAStoredStartIsNotCheckedAgainstTheRules() {
    SagaEngine engine = new SagaEngine(codec);
    String bad = codec.encode(new Trip("T1", null, 0));

    assertThatThrownBy(() -> engine.startValidated(trip(null), new UUID(0, 7), bad, Instant.EPOCH))
        .isInstanceOf(StartDataViolationsException.class);
    assertThat(engine.start(trip(null), new UUID(0, 7), bad, Instant.EPOCH).state().status())
        .isEqualTo(SagaStatus.RUNNING);
  }

  @Test
  void aRuleThatThrowsRejectsTheStartNamingWhatItThrew() {
    SagaDefinition<Trip> def =
        SagaDefinition.named("door-trip", Trip.class)
            .validate(t -> List.of(t.flight().isBlank() ? "blank flight" : ""))
            .step("book-flight")
            .invoke(FLIGHTS, "BookFlight", t -> new Book(t.tripId()))
            .noCompensation()
            .build();

    SagaHarness<Trip> h = SagaHarness.given(def, codec).start(new Trip("T1", null, 1));

    h.expectStartRejected();
    assertThatThrownBy(h::state).hasMessageContaining("NullPointerException");
  }
}
