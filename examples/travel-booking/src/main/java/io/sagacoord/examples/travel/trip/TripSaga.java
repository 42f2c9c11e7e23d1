package io.sagacoord.examples.travel.trip;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.SagaDefinitionProvider;
import io.sagacoord.examples.travel.trip.TripMessages.CancelCar;
import io.sagacoord.examples.travel.trip.TripMessages.CancelFlight;
import io.sagacoord.examples.travel.trip.TripMessages.CancelHotel;
import io.sagacoord.examples.travel.trip.TripMessages.CarReserved;
import io.sagacoord.examples.travel.trip.TripMessages.ChargePayment;
import io.sagacoord.examples.travel.trip.TripMessages.Failure;
import io.sagacoord.examples.travel.trip.TripMessages.FlightReserved;
import io.sagacoord.examples.travel.trip.TripMessages.HotelReserved;
import io.sagacoord.examples.travel.trip.TripMessages.IssueItinerary;
import io.sagacoord.examples.travel.trip.TripMessages.ItineraryIssued;
import io.sagacoord.examples.travel.trip.TripMessages.PaymentCharged;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveCar;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveFlight;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveHotel;
import java.time.Duration;
import java.util.List;

/**
 * The trip saga: reserve a flight, then a hotel and (if asked) a car in parallel, charge the
 * customer (the pivot: after it the trip is sold and only moves forward), then issue the itinerary
 * (retriable: it must eventually happen). The timeouts and retries are explained in {@code
 * docs/getting-started.md}.
 *
 * <p>The mappers below read the customer, the flight and the hotel without checks: {@link TripData}
 * cannot hold a trip without them, so the coordinator refuses such a start (400, nothing written)
 * when it decodes the data, before any of this code runs. The car is read only when the trip asks
 * for one.
 */
public final class TripSaga implements SagaDefinitionProvider {

  /** The saga type, as used in {@code POST /api/sagas/{type}}. */
  public static final String TYPE = "trip-booking";

  public static final ParticipantRef FLIGHTS = ParticipantRef.named("flight-service");
  public static final ParticipantRef HOTELS = ParticipantRef.named("hotel-service");
  public static final ParticipantRef CARS = ParticipantRef.named("car-service");
  public static final ParticipantRef TRIPS = ParticipantRef.named("trip-service");

  public static final String RESERVE_FLIGHT = "flight.reserve";
  public static final String CANCEL_FLIGHT = "flight.cancel";
  public static final String RESERVE_HOTEL = "hotel.reserve";
  public static final String CANCEL_HOTEL = "hotel.cancel";
  public static final String RESERVE_CAR = "car.reserve";
  public static final String CANCEL_CAR = "car.cancel";
  public static final String CHARGE_PAYMENT = "payment.charge";
  public static final String ISSUE_ITINERARY = "itinerary.issue";

  /** Public for {@link java.util.ServiceLoader}; use {@link #definition()} in code. */
  public TripSaga() {}

  @Override
  public List<SagaDefinition<?>> definitions() {
    return List.of(definition());
  }

  /** Version 1 of the trip saga. */
  public static SagaDefinition<TripData> definition() {
    return SagaDefinition.named(TYPE, TripData.class)
        .version(1)
        // a trip not booked within two minutes is no use to the customer: undo it
        .deadline(Duration.ofMinutes(2))
        .defaultTimeout(Duration.ofSeconds(5))
        .defaultRetry(RetryPolicy.exponential(3, Duration.ofMillis(500)))
        .defaultCompensationRetry(RetryPolicy.exponential(10, Duration.ofMillis(500)))
        // a trip without a flight or a hotel stay is refused before anything is written
        .validate(TripData::problems)
        .step("reserve-flight")
        .invoke(
            FLIGHTS,
            RESERVE_FLIGHT,
            d -> new ReserveFlight(d.flight().flightId(), d.flight().passenger()))
        .onReply(FlightReserved.class, (d, r) -> d.withFlightReservation(r.reservationId()))
        .onFailure(Failure.class, (d, f) -> d.withFailure("flight: " + f.reason()))
        .compensateWith(CANCEL_FLIGHT, d -> new CancelFlight(d.flightReservation()))
        .parallel(
            "stay",
            stay -> {
              stay.step("reserve-hotel")
                  .invoke(
                      HOTELS,
                      RESERVE_HOTEL,
                      d ->
                          new ReserveHotel(
                              d.hotel().hotelId(),
                              d.hotel().checkIn(),
                              d.hotel().checkOut(),
                              d.customer()))
                  .onReply(HotelReserved.class, (d, r) -> d.withHotelReservation(r.reservationId()))
                  .onFailure(Failure.class, (d, f) -> d.withFailure("hotel: " + f.reason()))
                  .compensateWith(CANCEL_HOTEL, d -> new CancelHotel(d.hotelReservation()))
                  // a hotel that does not answer within 3 s is treated as unavailable: the
                  // step is not retried, so the trip is undone quickly instead of waiting
                  .timeout(Duration.ofSeconds(3))
                  .retry(RetryPolicy.none());
              stay.step("reserve-car")
                  .invoke(
                      CARS,
                      RESERVE_CAR,
                      d ->
                          new ReserveCar(
                              d.car().location(),
                              d.car().pickUp(),
                              d.car().dropOff(),
                              d.customer()))
                  .onReply(CarReserved.class, (d, r) -> d.withCarReservation(r.reservationId()))
                  .onFailure(Failure.class, (d, f) -> d.withFailure("car: " + f.reason()))
                  .compensateWith(CANCEL_CAR, d -> new CancelCar(d.carReservation()))
                  .when(TripData::wantsCar);
            })
        .step("charge-payment")
        .invoke(TRIPS, CHARGE_PAYMENT, d -> new ChargePayment(d.customer(), d.priceCents()))
        .onReply(PaymentCharged.class, (d, r) -> d.withPayment(r.paymentId()))
        .onFailure(Failure.class, (d, f) -> d.withFailure("payment: " + f.reason()))
        .pivot()
        .step("issue-itinerary")
        .invoke(
            TRIPS,
            ISSUE_ITINERARY,
            d ->
                new IssueItinerary(
                    d.customer(), d.flightReservation(), d.hotelReservation(), d.carReservation()))
        .onReply(ItineraryIssued.class, (d, r) -> d.withItinerary(r.itineraryId()))
        .retriable()
        // the trip is paid for: keep trying (retriable steps are bounded by this policy, not by
        // the saga deadline); if all 20 attempts fail the saga is FAILED for an operator
        .retry(
            RetryPolicy.exponential(20, Duration.ofMillis(500)).withMaxDelay(Duration.ofSeconds(5)))
        .build();
  }
}
