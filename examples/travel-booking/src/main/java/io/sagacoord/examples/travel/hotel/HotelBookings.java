package io.sagacoord.examples.travel.hotel;

import io.sagacoord.examples.travel.common.BookingResult;
import io.sagacoord.examples.travel.common.DatedReservations;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.UUID;

/** The hotel service's own logic: one room per night from check-in to check-out. */
public final class HotelBookings {

  private static final DatedReservations.Tables TABLES =
      new DatedReservations.Tables(
          "hotel_night",
          "hotel_id",
          "night",
          "rooms_available",
          "hotel_reservation",
          "check_in",
          "check_out",
          "guest",
          "room");

  private final DatedReservations reservations;

  public HotelBookings(Clock clock) {
    this.reservations = new DatedReservations(TABLES, clock);
  }

  public BookingResult reserve(
      Connection connection,
      UUID sagaId,
      String hotelId,
      LocalDate checkIn,
      LocalDate checkOut,
      String guest)
      throws SQLException {
    return reservations.reserve(connection, sagaId, hotelId, checkIn, checkOut, guest);
  }

  public boolean cancel(Connection connection, UUID sagaId) throws SQLException {
    return reservations.cancel(connection, sagaId);
  }
}
