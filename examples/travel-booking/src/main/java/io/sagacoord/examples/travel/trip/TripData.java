package io.sagacoord.examples.travel.trip;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The trip saga's data: what the customer asked for and, as the saga goes, what each service
 * reserved. Immutable; each reply handler returns a copy.
 *
 * <p>A trip always has a customer, a flight and a hotel stay (see {@link #problems}): the trip saga
 * declares {@code validate(TripData::problems)}, so the coordinator checks each start before it
 * writes anything, answers a start that lacks a part with 400 listing what is missing, and starts
 * no saga; the trip saga's definition code never meets a trip with a part missing. {@link #request}
 * refuses such a trip at once.
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

  /** What makes this trip unbookable, one sentence each; empty if it can be booked. */
  public List<String> problems() {
    return problems(customer, flight, hotel, car, priceCents);
  }

  /**
   * What makes a trip request unbookable, one sentence each; empty if it can be booked. A trip
   * needs a customer, a flight (id and passenger) and a hotel stay (id, check-in before check-out);
   * a car is optional, but one that is asked for needs a location and a pick-up before its
   * drop-off; the price is not negative.
   */
  public static List<String> problems(
      String customer, Flight flight, Hotel hotel, Car car, long priceCents) {
    List<String> problems = new ArrayList<>();
    if (blank(customer)) {
      problems.add("customer is required");
    }
    if (flight == null) {
      problems.add("flight is required");
    } else {
      if (blank(flight.flightId())) {
        problems.add("flight.flightId is required");
      }
      if (blank(flight.passenger())) {
        problems.add("flight.passenger is required");
      }
    }
    if (hotel == null) {
      problems.add("hotel is required");
    } else {
      if (blank(hotel.hotelId())) {
        problems.add("hotel.hotelId is required");
      }
      dates(problems, "hotel", "checkIn", hotel.checkIn(), "checkOut", hotel.checkOut());
    }
    if (car != null) {
      if (blank(car.location())) {
        problems.add("car.location is required");
      }
      dates(problems, "car", "pickUp", car.pickUp(), "dropOff", car.dropOff());
    }
    if (priceCents < 0) {
      problems.add("priceCents must not be negative");
    }
    return problems;
  }

  private static void dates(
      List<String> problems,
      String part,
      String fromName,
      LocalDate from,
      String untilName,
      LocalDate until) {
    if (from == null) {
      problems.add(part + "." + fromName + " is required");
    }
    if (until == null) {
      problems.add(part + "." + untilName + " is required");
    }
    if (from != null && until != null && !from.isBefore(until)) {
      problems.add(part + "." + fromName + " must be before " + part + "." + untilName);
    }
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }

  public record Flight(String flightId, String passenger) {}

  public record Hotel(String hotelId, LocalDate checkIn, LocalDate checkOut) {}

  public record Car(String location, LocalDate pickUp, LocalDate dropOff) {}

  /**
   * A new trip request, nothing reserved yet.
   *
   * @throws IllegalArgumentException listing every {@linkplain #problems problem} of the request
   */
  public static TripData request(String customer, Flight flight, Hotel hotel, Car car, long price) {
    List<String> problems = problems(customer, flight, hotel, car, price);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("not a bookable trip: " + String.join("; ", problems));
    }
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
