package io.sagacoord.examples.travel.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.UUID;

/**
 * Reservations that hold one unit per day over a date range: hotel rooms per night, cars per day.
 * The hotel and car services differ only in their table and column names, which are constants of
 * each service.
 */
public final class DatedReservations {

  /** Table and column names of one service. */
  public record Tables(
      String capacityTable,
      String keyColumn,
      String dayColumn,
      String availableColumn,
      String reservationTable,
      String fromColumn,
      String untilColumn,
      String personColumn,
      String unitName) {}

  private final Tables tables;
  private final CapacityTable capacity;
  private final Clock clock;
  private final String insertSql;
  private final String cancelSql;

  public DatedReservations(Tables tables, Clock clock) {
    this.tables = tables;
    this.clock = clock;
    this.capacity =
        new CapacityTable(
            tables.capacityTable(),
            tables.keyColumn(),
            tables.dayColumn(),
            tables.availableColumn());
    this.insertSql =
        "INSERT INTO "
            + tables.reservationTable()
            + " (id, saga_id, "
            + tables.keyColumn()
            + ", "
            + tables.fromColumn()
            + ", "
            + tables.untilColumn()
            + ", "
            + tables.personColumn()
            + ", status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'RESERVED', ?, ?)";
    this.cancelSql =
        "UPDATE "
            + tables.reservationTable()
            + " SET status = 'CANCELLED', updated_at = ? WHERE saga_id = ? AND status = 'RESERVED'"
            + " RETURNING "
            + tables.keyColumn()
            + ", "
            + tables.fromColumn()
            + ", "
            + tables.untilColumn();
  }

  /** Takes one unit on every day of {@code [from, until)}, or refuses with a reason. */
  public BookingResult reserve(
      Connection connection,
      UUID sagaId,
      String key,
      LocalDate from,
      LocalDate until,
      String person)
      throws SQLException {
    if (!from.isBefore(until)) {
      return new BookingResult.Refused(
          tables.fromColumn()
              + " "
              + from
              + " must be before "
              + tables.untilColumn()
              + " "
              + until);
    }
    if (!capacity.takeOneEachDay(connection, key, from, until)) {
      return new BookingResult.Refused(
          "no " + tables.unitName() + " left at " + key + " between " + from + " and " + until);
    }
    UUID reservationId = UUID.randomUUID();
    Jdbc.update(
        connection,
        insertSql,
        reservationId,
        sagaId,
        key,
        from,
        until,
        person,
        clock.instant(),
        clock.instant());
    return new BookingResult.Reserved(reservationId);
  }

  /**
   * Cancels the saga's reservation, if any, and gives its units back. Idempotent: a second cancel,
   * or a cancel of a reservation never made, changes nothing and returns false.
   */
  public boolean cancel(Connection connection, UUID sagaId) throws SQLException {
    try (PreparedStatement cancel = connection.prepareStatement(cancelSql)) {
      cancel.setTimestamp(1, Timestamp.from(clock.instant()));
      cancel.setObject(2, sagaId);
      try (ResultSet rows = cancel.executeQuery()) {
        if (!rows.next()) {
          return false;
        }
        capacity.releaseOneEachDay(
            connection,
            rows.getString(1),
            rows.getDate(2).toLocalDate(),
            rows.getDate(3).toLocalDate());
        return true;
      }
    }
  }
}
