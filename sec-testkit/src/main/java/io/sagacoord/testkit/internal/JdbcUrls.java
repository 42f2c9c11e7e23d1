package io.sagacoord.testkit.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Swaps the database part of a PostgreSQL JDBC URL, keeping host, port and parameters. */
public final class JdbcUrls {
  private static final Pattern URL =
      Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?$");

  private JdbcUrls() {}

  public static String withDatabase(String jdbcUrl, String database) {
    Matcher m = URL.matcher(jdbcUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db): " + jdbcUrl);
    }
    String params = m.group(3) == null ? "" : m.group(3);
    return m.group(1) + "/" + database + params;
  }
}
