package io.sagacoord.examples.travel.trip;

import java.time.LocalDate;

/**
 * The commands and replies of the trip saga: the contract between the saga definition and the
 * participant services. Command types are the strings in {@link TripSaga}, never these class names,
 * so either side may rename a record without breaking the wire.
 */
public final class TripMessages {

  private TripMessages() {}

  public record ReserveFlight(String flightId, String passenger) {}

  public record FlightReserved(String reservationId) {}

  /** Cancels whatever the saga reserved; the service finds it by saga id. */
  public record CancelFlight(String reservationId) {}

  public record ReserveHotel(String hotelId, LocalDate checkIn, LocalDate checkOut, String guest) {}

  public record HotelReserved(String reservationId) {}

  public record CancelHotel(String reservationId) {}

  public record ReserveCar(String location, LocalDate pickUp, LocalDate dropOff, String driver) {}

  public record CarReserved(String reservationId) {}

  public record CancelCar(String reservationId) {}

  public record ChargePayment(String customer, long amountCents) {}

  public record PaymentCharged(String paymentId) {}

  public record IssueItinerary(
      String customer, String flightReservation, String hotelReservation, String carReservation) {}

  public record ItineraryIssued(String itineraryId) {}

  /** The body of every failure reply, as the protocol defines it. */
  public record Failure(String reason, String code) {}
}
