package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** Conversions between Java time/ids and what the PostgreSQL driver reads and writes. */
final class Sql {
  private Sql() {}

  static OffsetDateTime ts(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  /**
   * An instant as text for a {@code timestamptz[]} parameter: ISO-8601 with offset, which
   * PostgreSQL parses exactly, microseconds included. Null stays null.
   */
  static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static UUID uuid(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, UUID.class);
  }

  static Integer integer(ResultSet rs, String column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? null : value;
  }
}
