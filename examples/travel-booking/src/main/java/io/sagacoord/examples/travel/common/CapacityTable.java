package io.sagacoord.examples.travel.common;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;

/**
 * Day-by-day capacity of one resource (seats on a flight, rooms of a hotel, cars at a location),
 * held in a table with a key column, a day column and an "available" counter that a CHECK
 * constraint keeps non-negative.
 *
 * <p>Taking capacity is one conditional {@code UPDATE ... WHERE available >= 1} per day, so two
 * concurrent bookings for the last unit cannot both succeed: the row lock serialises them and the
 * second sees zero. This is what "never oversells" rests on, not on a read-then-write.
 */
public final class CapacityTable {

  private final String takeSql;
  private final String releaseSql;

  /**
   * @param table the capacity table (a constant of the calling service, never user input)
   * @param keyColumn the column naming the resource
   * @param dayColumn the column holding the day
   * @param availableColumn the counter column
   */
  public CapacityTable(String table, String keyColumn, String dayColumn, String availableColumn) {
    this.takeSql =
        "UPDATE "
            + table
            + " SET "
            + availableColumn
            + " = "
            + availableColumn
            + " - 1 WHERE "
            + keyColumn
            + " = ? AND "
            + dayColumn
            + " = ? AND "
            + availableColumn
            + " >= 1";
    this.releaseSql =
        "UPDATE "
            + table
            + " SET "
            + availableColumn
            + " = "
            + availableColumn
            + " + 1 WHERE "
            + keyColumn
            + " = ? AND "
            + dayColumn
            + " = ?";
  }

  /**
   * Takes one unit on each day of {@code [from, until)}. Returns false, having taken nothing (the
   * caller's savepoint or transaction is rolled back by the SDK on a business failure, and here we
   * also give back what this call took), when any day has no unit left or does not exist.
   */
  public boolean takeOneEachDay(Connection connection, String key, LocalDate from, LocalDate until)
      throws SQLException {
    LocalDate taken = from;
    try (PreparedStatement take = connection.prepareStatement(takeSql)) {
      for (LocalDate day = from; day.isBefore(until); day = day.plusDays(1)) {
        take.setString(1, key);
        take.setDate(2, Date.valueOf(day));
        if (take.executeUpdate() != 1) {
          releaseOneEachDay(connection, key, from, day);
          return false;
        }
        taken = day.plusDays(1);
      }
    }
    return taken.equals(until);
  }

  /** Gives back one unit on each day of {@code [from, until)}. */
  public void releaseOneEachDay(Connection connection, String key, LocalDate from, LocalDate until)
      throws SQLException {
    try (PreparedStatement release = connection.prepareStatement(releaseSql)) {
      for (LocalDate day = from; day.isBefore(until); day = day.plusDays(1)) {
        release.setString(1, key);
        release.setDate(2, Date.valueOf(day));
        release.addBatch();
      }
      release.executeBatch();
    }
  }

  /** Reads a single integer from a one-row query with one string and one date parameter. */
  public static int queryInt(Connection connection, String sql, String key, LocalDate day)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, key);
      statement.setDate(2, Date.valueOf(day));
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getInt(1) : -1;
      }
    }
  }
}
