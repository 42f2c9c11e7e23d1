package io.sagacoord.examples.travel.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** Small JDBC helpers shared by the example services. */
public final class Jdbc {

  private Jdbc() {}

  /** Binds the parameters in order and runs an update, returning the row count. */
  public static int update(Connection connection, String sql, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        Object value = parameters[i];
        if (value instanceof Instant instant) {
          statement.setTimestamp(i + 1, Timestamp.from(instant));
        } else if (value instanceof java.time.LocalDate date) {
          statement.setDate(i + 1, java.sql.Date.valueOf(date));
        } else {
          statement.setObject(i + 1, value);
        }
      }
      return statement.executeUpdate();
    }
  }
}
