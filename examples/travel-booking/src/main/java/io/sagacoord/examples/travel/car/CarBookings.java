package io.sagacoord.examples.travel.car;

import io.sagacoord.examples.travel.common.BookingResult;
import io.sagacoord.examples.travel.common.DatedReservations;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.UUID;

/** The car service's own logic: one car per day from pick-up to drop-off at one location. */
public final class CarBookings {

  private static final DatedReservations.Tables TABLES =
      new DatedReservations.Tables(
          "car_day",
          "location",
          "day",
          "cars_available",
          "car_reservation",
          "pick_up",
          "drop_off",
          "driver",
          "car");

  private final DatedReservations reservations;

  public CarBookings(Clock clock) {
    this.reservations = new DatedReservations(TABLES, clock);
  }

  public BookingResult reserve(
      Connection connection,
      UUID sagaId,
      String location,
      LocalDate pickUp,
      LocalDate dropOff,
      String driver)
      throws SQLException {
    return reservations.reserve(connection, sagaId, location, pickUp, dropOff, driver);
  }

  public boolean cancel(Connection connection, UUID sagaId) throws SQLException {
    return reservations.cancel(connection, sagaId);
  }
}
