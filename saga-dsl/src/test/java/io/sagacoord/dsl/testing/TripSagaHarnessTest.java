package io.sagacoord.dsl.testing;

import static io.sagacoord.dsl.TripSaga.TripData;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.TripSaga;
import io.sagacoord.dsl.TripSaga.BookFlight;
import io.sagacoord.dsl.TripSaga.Booked;
import io.sagacoord.dsl.TripSaga.CancelFlight;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepStatus;
import org.junit.jupiter.api.Test;

class TripSagaHarnessTest {

  private final JacksonJsonCodec codec = new JacksonJsonCodec();

  @Test
  void completesTheTripWhenEveryParticipantSucceeds() {
    SagaHarness.given(TripSaga.sequential(), codec)
        .start(TripData.of("T1", true))
        .expectCommand("flight-service", "BookFlight")
        .withPayload(BookFlight.class, c -> assertThat(c.tripId()).isEqualTo("T1"))
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
        .expectStepStatus("rent-car", StepStatus.SUCCEEDED)
        .expectReplayReproducesState();
  }

  @Test
  void compensatesTheFlightWhenTheHotelIsFull() {
    SagaHarness.given(TripSaga.sequential(), codec)
        .start(TripData.of("T1", true))
        .expectCommand("flight-service", "BookFlight")
        .replySuccess(new Booked("F1"))
        .expectCommand("hotel-service", "BookHotel")
        .replyBusinessFailure(new TripSaga.Rejection("full"))
        .expectCompensation("flight-service", "CancelFlight")
        .withPayload(CancelFlight.class, c -> assertThat(c.flightId()).isEqualTo("F1"))
        .replySuccess()
        .expectStatus(SagaStatus.COMPENSATED)
        .expectData(d -> assertThat(d.failure()).isEqualTo("full"))
        .expectCompensationOrder("book-flight")
        .expectReplayReproducesState();
  }
}
