package io.sagacoord.examples.travel.trip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StartDataViolationsException;
import io.sagacoord.dsl.testing.SagaHarness;
import io.sagacoord.examples.travel.trip.TripMessages.CarReserved;
import io.sagacoord.examples.travel.trip.TripMessages.Failure;
import io.sagacoord.examples.travel.trip.TripMessages.FlightReserved;
import io.sagacoord.examples.travel.trip.TripMessages.HotelReserved;
import io.sagacoord.examples.travel.trip.TripMessages.ItineraryIssued;
import io.sagacoord.examples.travel.trip.TripMessages.PaymentCharged;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The trip saga's definition tested the way a definition author would: given/expect, no
 * infrastructure, time moved by hand. Data, commands and replies go through Jackson as they do in
 * the coordinator.
 */
class TripSagaDefinitionTest {

  private static final LocalDate IN = LocalDate.of(2030, 1, 10);
  private static final LocalDate OUT = IN.plusDays(3);

  private static TripData withCar() {
    return TripData.request(
        "Ada",
        new TripData.Flight("SK4711", "Ada"),
        new TripData.Hotel("harbour-hotel", IN, OUT),
        new TripData.Car("LIS-airport", IN, OUT),
        120_000);
  }

  private static SagaHarness<TripData> flightReserved(TripData data) {
    return SagaHarness.given(TripSaga.definition())
        .start(data)
        .expectCommand("flight-service", TripSaga.RESERVE_FLIGHT)
        .replySuccess(new FlightReserved("F-1"));
  }

  @Test
  void bookedTripReservesEverythingChargesThenIssuesTheItinerary() {
    SagaHarness<TripData> saga = flightReserved(withCar());
    saga.expectCommand("hotel-service", TripSaga.RESERVE_HOTEL)
        .replySuccess(new HotelReserved("H-1"));
    saga.expectCommand("car-service", TripSaga.RESERVE_CAR).replySuccess(new CarReserved("C-1"));
    saga.expectCommand("trip-service", TripSaga.CHARGE_PAYMENT)
        .replySuccess(new PaymentCharged("P-1"));
    saga.expectCommand("trip-service", TripSaga.ISSUE_ITINERARY)
        .replySuccess(new ItineraryIssued("I-1"));

    saga.expectStatus(SagaStatus.COMPLETED)
        .expectData(
            d -> {
              assertThat(d.flightReservation()).isEqualTo("F-1");
              assertThat(d.carReservation()).isEqualTo("C-1");
              assertThat(d.itineraryId()).isEqualTo("I-1");
            })
        .expectReplayReproducesState();
  }

  @Test
  void unavailableCarCancelsHotelThenFlight() {
    SagaHarness<TripData> saga = flightReserved(withCar());
    saga.expectCommand("hotel-service", TripSaga.RESERVE_HOTEL)
        .replySuccess(new HotelReserved("H-1"));
    saga.expectCommand("car-service", TripSaga.RESERVE_CAR)
        .replyBusinessFailure(new Failure("no car left", "UNAVAILABLE"));

    saga.expectCompensation("hotel-service", TripSaga.CANCEL_HOTEL).replySuccess();
    saga.expectCompensation("flight-service", TripSaga.CANCEL_FLIGHT).replySuccess();
    saga.expectStatus(SagaStatus.COMPENSATED)
        .expectCompensationOrder("reserve-hotel", "reserve-flight")
        .expectData(d -> assertThat(d.failureReason()).isEqualTo("car: no car left"));
  }

  @Test
  void silentHotelTimesOutAfterThreeSecondsWithoutRetryAndIsCompensatedWithTheFlight() {
    SagaHarness<TripData> saga = flightReserved(withCar());
    saga.expectCommand("hotel-service", TripSaga.RESERVE_HOTEL).noReply();
    saga.expectCommand("car-service", TripSaga.RESERVE_CAR).replySuccess(new CarReserved("C-1"));

    saga.advance(Duration.ofSeconds(3));

    saga.expectCompensation("car-service", TripSaga.CANCEL_CAR).replySuccess();
    saga.expectCompensation("hotel-service", TripSaga.CANCEL_HOTEL).replySuccess();
    saga.expectCompensation("flight-service", TripSaga.CANCEL_FLIGHT).replySuccess();
    saga.expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void declinedCardAtThePivotUndoesTheReservations() {
    TripData noCar =
        TripData.request(
            "Edsger",
            new TripData.Flight("SK4711", "Edsger"),
            new TripData.Hotel("harbour-hotel", IN, OUT),
            null,
            5_000_000);
    SagaHarness<TripData> saga = flightReserved(noCar);
    saga.expectCommand("hotel-service", TripSaga.RESERVE_HOTEL)
        .replySuccess(new HotelReserved("H-1"));
    saga.expectCommand("trip-service", TripSaga.CHARGE_PAYMENT)
        .replyBusinessFailure(new Failure("card declined", "DECLINED"));

    saga.expectCompensation("hotel-service", TripSaga.CANCEL_HOTEL).replySuccess();
    saga.expectCompensation("flight-service", TripSaga.CANCEL_FLIGHT).replySuccess();
    saga.expectStatus(SagaStatus.COMPENSATED)
        .expectData(d -> assertThat(d.failureReason()).isEqualTo("payment: card declined"));
  }

  @Test
  void startWithoutFlightOrHotelIsRefusedBeforeAnySagaExistsNamingWhatIsMissing() {
    SagaEngine engine = new SagaEngine(new JacksonJsonCodec());

    assertThatThrownBy(
            () ->
                engine.startValidated(
                    TripSaga.definition(),
                    UUID.randomUUID(),
                    "{\"customer\":\"Ada\",\"priceCents\":100}",
                    Instant.parse("2030-01-01T00:00:00Z")))
        .isInstanceOf(StartDataViolationsException.class)
        .hasMessageContaining("flight is required; hotel is required")
        .hasMessageNotContaining("NullPointerException");
  }

  @Test
  void tripDataNamesEveryMissingOrInconsistentPartAndCannotBeBuiltWithOne() {
    assertThat(
            TripData.problems(
                " ",
                new TripData.Flight(null, "Ada"),
                new TripData.Hotel("harbour-hotel", OUT, IN),
                new TripData.Car(null, IN, null),
                -1))
        .containsExactly(
            "customer is required",
            "flight.flightId is required",
            "hotel.checkIn must be before hotel.checkOut",
            "car.location is required",
            "car.dropOff is required",
            "priceCents must not be negative");
    assertThat(
            TripData.problems(
                "Ada",
                new TripData.Flight("SK4711", "Ada"),
                new TripData.Hotel("harbour-hotel", IN, OUT),
                null,
                0))
        .isEmpty();
    assertThatThrownBy(() -> TripData.request("Ada", null, null, null, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a bookable trip: flight is required; hotel is required");
  }
}
