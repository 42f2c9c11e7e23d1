package io.sagacoord.dsl;

import java.time.Duration;

/** The running example: book a trip (flight, hotel, optional car), charge (pivot), issue. */
public final class TripSaga {
  private TripSaga() {}

  public static final ParticipantRef FLIGHTS = ParticipantRef.named("flight-service");
  public static final ParticipantRef HOTELS = ParticipantRef.named("hotel-service");
  public static final ParticipantRef CARS = ParticipantRef.named("car-service");
  public static final ParticipantRef PAYMENTS = ParticipantRef.named("payment-service");
  public static final ParticipantRef ITINERARIES = ParticipantRef.named("itinerary-service");

  public record TripData(
      String tripId,
      boolean needsCar,
      String flightId,
      String hotelId,
      String carId,
      String paymentId,
      String itineraryId,
      String failure) {
    public static TripData of(String tripId, boolean needsCar) {
      return new TripData(tripId, needsCar, null, null, null, null, null, null);
    }

    TripData withFlight(String id) {
      return new TripData(tripId, needsCar, id, hotelId, carId, paymentId, itineraryId, failure);
    }

    TripData withHotel(String id) {
      return new TripData(tripId, needsCar, flightId, id, carId, paymentId, itineraryId, failure);
    }

    TripData withCar(String id) {
      return new TripData(tripId, needsCar, flightId, hotelId, id, paymentId, itineraryId, failure);
    }

    TripData withPayment(String id) {
      return new TripData(tripId, needsCar, flightId, hotelId, carId, id, itineraryId, failure);
    }

    TripData withItinerary(String id) {
      return new TripData(tripId, needsCar, flightId, hotelId, carId, paymentId, id, failure);
    }

    TripData withFailure(String reason) {
      return new TripData(
          tripId, needsCar, flightId, hotelId, carId, paymentId, itineraryId, reason);
    }
  }

  public record BookFlight(String tripId) {}

  public record CancelFlight(String tripId, String flightId) {}

  public record BookHotel(String tripId) {}

  public record CancelHotel(String tripId, String hotelId) {}

  public record RentCar(String tripId) {}

  public record CancelCar(String tripId, String carId) {}

  public record Charge(String tripId) {}

  public record IssueItinerary(String tripId, String paymentId) {}

  /** A success reply carrying the id of what was booked. */
  public record Booked(String id) {}

  /** A business failure body. */
  public record Rejection(String reason) {}

  /**
   * Steps in order: book-flight, book-hotel, rent-car (if needed), charge (pivot), issue-itinerary.
   */
  public static SagaDefinition<TripData> sequential() {
    return base(false, Duration.ofMinutes(30));
  }

  /** Like {@link #sequential()} with another deadline. */
  public static SagaDefinition<TripData> sequentialWithDeadline(Duration deadline) {
    return base(false, deadline);
  }

  /** Like {@link #sequential()}, but hotel and car are a parallel group "stay". */
  public static SagaDefinition<TripData> withParallelStay() {
    return base(true, Duration.ofMinutes(30));
  }

  private static SagaDefinition<TripData> base(boolean parallelStay, Duration deadline) {
    SagaSteps<TripData> afterFlight =
        SagaDefinition.named("trip-booking", TripData.class)
            .version(1)
            .deadline(deadline)
            .defaultTimeout(Duration.ofSeconds(10))
            .defaultRetry(RetryPolicy.exponential(3, Duration.ofSeconds(1)))
            .defaultCompensationRetry(RetryPolicy.fixed(3, Duration.ofSeconds(5)))
            .step("book-flight")
            .invoke(FLIGHTS, "BookFlight", d -> new BookFlight(d.tripId()))
            .onReply(Booked.class, (d, r) -> d.withFlight(r.id()))
            .onFailure(Rejection.class, (d, f) -> d.withFailure(f.reason()))
            .compensateWith("CancelFlight", d -> new CancelFlight(d.tripId(), d.flightId()));
    SagaSteps<TripData> afterStay;
    if (parallelStay) {
      afterStay =
          afterFlight.parallel(
              "stay",
              g -> {
                hotel(g.step("book-hotel"));
                car(g.step("rent-car"));
              });
    } else {
      afterStay = car(hotel(afterFlight.step("book-hotel")).step("rent-car"));
    }
    return afterStay
        .step("charge")
        .invoke(PAYMENTS, "Charge", d -> new Charge(d.tripId()))
        .onReply(Booked.class, (d, r) -> d.withPayment(r.id()))
        .pivot()
        .step("issue-itinerary")
        .invoke(ITINERARIES, "IssueItinerary", d -> new IssueItinerary(d.tripId(), d.paymentId()))
        .onReply(Booked.class, (d, r) -> d.withItinerary(r.id()))
        .retriable()
        .retry(RetryPolicy.fixed(4, Duration.ofSeconds(2)))
        .build();
  }

  private static StepTail<TripData> hotel(StepStart<TripData> step) {
    return step.invoke(HOTELS, "BookHotel", d -> new BookHotel(d.tripId()))
        .onReply(Booked.class, (d, r) -> d.withHotel(r.id()))
        .onFailure(Rejection.class, (d, f) -> d.withFailure(f.reason()))
        .compensateWith("CancelHotel", d -> new CancelHotel(d.tripId(), d.hotelId()));
  }

  private static StepTail<TripData> car(StepStart<TripData> step) {
    return step.invoke(CARS, "RentCar", d -> new RentCar(d.tripId()))
        .onReply(Booked.class, (d, r) -> d.withCar(r.id()))
        .onFailure(Rejection.class, (d, f) -> d.withFailure(f.reason()))
        .compensateWith("CancelCar", d -> new CancelCar(d.tripId(), d.carId()))
        .when(TripData::needsCar);
  }
}
