package io.sagacoord.examples.travel.demo;

import io.sagacoord.examples.travel.common.Jdbc;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import javax.sql.DataSource;

/**
 * Puts inventory into the services' databases for the demo and the tests. The demo's inventory is
 * the SQL files shipped in {@code inventory/} (flight.sql, hotel.sql, car.sql), the same files the
 * deployment guide loads with psql.
 */
public final class DemoInventory {

  private DemoInventory() {}

  /** Runs one of the shipped inventory files, e.g. {@code inventory/flight.sql}. */
  public static void load(DataSource dataSource, String resource) throws SQLException {
    String sql;
    try (InputStream in = DemoInventory.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no inventory file " + resource + " on the class path");
      }
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource + " failed", e);
    }
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Adds (or resets) a flight with this many seats. */
  public static void flight(DataSource flights, String id, LocalDate departs, int seats)
      throws SQLException {
    try (Connection connection = flights.getConnection()) {
      Jdbc.update(
          connection,
          "INSERT INTO flight (id, origin, destination, departs_on, seats_total, seats_available)"
              + " VALUES (?, 'OSL', 'LIS', ?, ?, ?) ON CONFLICT (id) DO UPDATE"
              + " SET seats_total = EXCLUDED.seats_total,"
              + " seats_available = EXCLUDED.seats_available",
          id,
          departs,
          seats,
          seats);
    }
  }

  /** Adds (or resets) a hotel with this many rooms on each night of {@code [from, until)}. */
  public static void hotel(DataSource hotels, String id, LocalDate from, LocalDate until, int rooms)
      throws SQLException {
    perDay(
        hotels,
        "INSERT INTO hotel_night (hotel_id, night, rooms_total, rooms_available) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (hotel_id, night) DO UPDATE SET rooms_total = EXCLUDED.rooms_total,"
            + " rooms_available = EXCLUDED.rooms_available",
        id,
        from,
        until,
        rooms);
  }

  /** Adds (or resets) a car location with this many cars on each day of {@code [from, until)}. */
  public static void cars(
      DataSource cars, String location, LocalDate from, LocalDate until, int count)
      throws SQLException {
    perDay(
        cars,
        "INSERT INTO car_day (location, day, cars_total, cars_available) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (location, day) DO UPDATE SET cars_total = EXCLUDED.cars_total,"
            + " cars_available = EXCLUDED.cars_available",
        location,
        from,
        until,
        count);
  }

  private static void perDay(
      DataSource dataSource, String sql, String key, LocalDate from, LocalDate until, int count)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      for (LocalDate day = from; day.isBefore(until); day = day.plusDays(1)) {
        Jdbc.update(connection, sql, key, day, count, count);
      }
    }
  }
}
