package io.sagacoord.examples.travel.trip;

import java.time.LocalDate;

/**
 * The trip saga's data: what the customer asked for and, as the saga goes, what each service
 * reserved. Immutable; each reply handler returns a copy.
 *
 * @param customer who books and pays
 * @param flight the flight to reserve
 * @param hotel the hotel stay to reserve
 * @param car the car to rent, or null for a trip without one (the car step is then skipped)
 * @param priceCents what the customer is charged at the pivot
 */
public record TripData(
    String customer,
    Flight flight,
    Hotel hotel,
    Car car,
    long priceCents,
    String flightReservation,
    String hotelReservation,
    String carReservation,
    String paymentId,
    String itineraryId,
    String failureReason) {

  public record Flight(String flightId, String passenger) {}

  public record Hotel(String hotelId, LocalDate checkIn, LocalDate checkOut) {}

  public record Car(String location, LocalDate pickUp, LocalDate dropOff) {}

  /** A new trip request, nothing reserved yet. */
  public static TripData request(String customer, Flight flight, Hotel hotel, Car car, long price) {
    return new TripData(customer, flight, hotel, car, price, null, null, null, null, null, null);
  }

  public boolean wantsCar() {
    return car != null;
  }

  TripData withFlightReservation(String id) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        id,
        hotelReservation,
        carReservation,
        paymentId,
        itineraryId,
        failureReason);
  }

  TripData withHotelReservation(String id) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        flightReservation,
        id,
        carReservation,
        paymentId,
        itineraryId,
        failureReason);
  }

  TripData withCarReservation(String id) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        flightReservation,
        hotelReservation,
        id,
        paymentId,
        itineraryId,
        failureReason);
  }

  TripData withPayment(String id) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        flightReservation,
        hotelReservation,
        carReservation,
        id,
        itineraryId,
        failureReason);
  }

  TripData withItinerary(String id) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        flightReservation,
        hotelReservation,
        carReservation,
        paymentId,
        id,
        failureReason);
  }

  TripData withFailure(String reason) {
    return new TripData(
        customer,
        flight,
        hotel,
        car,
        priceCents,
        flightReservation,
        hotelReservation,
        carReservation,
        paymentId,
        itineraryId,
        reason);
  }
}
