package io.sagacoord.examples.travel.flight;

import io.sagacoord.examples.travel.common.BookingResult;
import io.sagacoord.examples.travel.common.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.UUID;

/**
 * The flight service's own logic: seats per flight, reserved and cancelled inside the transaction
 * the participant SDK opened for the command.
 */
public final class FlightBookings {

  private final Clock clock;

  public FlightBookings(Clock clock) {
    this.clock = clock;
  }

  /** Takes a seat on the flight for the saga, or refuses when none is left. */
  public BookingResult reserve(
      Connection connection, UUID sagaId, String flightId, String passenger) throws SQLException {
    int taken =
        Jdbc.update(
            connection,
            "UPDATE flight SET seats_available = seats_available - 1"
                + " WHERE id = ? AND seats_available >= 1",
            flightId);
    if (taken != 1) {
      return new BookingResult.Refused(
          exists(connection, flightId)
              ? "flight " + flightId + " is full"
              : "flight " + flightId + " does not exist");
    }
    UUID reservationId = UUID.randomUUID();
    Jdbc.update(
        connection,
        "INSERT INTO flight_reservation (id, saga_id, flight_id, passenger, status, created_at,"
            + " updated_at) VALUES (?, ?, ?, ?, 'RESERVED', ?, ?)",
        reservationId,
        sagaId,
        flightId,
        passenger,
        clock.instant(),
        clock.instant());
    return new BookingResult.Reserved(reservationId);
  }

  /**
   * Cancels the saga's reservation, if there is one, and gives its seat back. Cancelling twice, or
   * cancelling a reservation that was never made, changes nothing.
   */
  public boolean cancel(Connection connection, UUID sagaId) throws SQLException {
    try (PreparedStatement cancel =
        connection.prepareStatement(
            "UPDATE flight_reservation SET status = 'CANCELLED', updated_at = ?"
                + " WHERE saga_id = ? AND status = 'RESERVED' RETURNING flight_id")) {
      cancel.setTimestamp(1, java.sql.Timestamp.from(clock.instant()));
      cancel.setObject(2, sagaId);
      try (ResultSet rows = cancel.executeQuery()) {
        if (!rows.next()) {
          return false;
        }
        Jdbc.update(
            connection,
            "UPDATE flight SET seats_available = seats_available + 1 WHERE id = ?",
            rows.getString(1));
        return true;
      }
    }
  }

  private static boolean exists(Connection connection, String flightId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT 1 FROM flight WHERE id = ?")) {
      statement.setString(1, flightId);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }
}
