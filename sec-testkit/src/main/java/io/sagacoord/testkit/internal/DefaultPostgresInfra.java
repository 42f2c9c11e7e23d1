package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.InfraUnavailableException;
import io.sagacoord.testkit.PostgresInfra;
import io.sagacoord.testkit.TestDatabase;
import io.sagacoord.testkit.TestkitException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A PostgreSQL server reached through an admin JDBC URL (any existing database, usually {@code
 * postgres}); creates and drops test databases on it.
 */
public final class DefaultPostgresInfra implements PostgresInfra {
  /** Seconds; an unreachable server must fail fast with its URL, never hang a test run. */
  static final int CONNECT_TIMEOUT_SECONDS = 5;

  private final String adminJdbcUrl;
  private final String username;
  private final String password;
  private final String description;

  /**
   * Connects once to check the server answers; throws {@link InfraUnavailableException} naming the
   * URL within about {@value #CONNECT_TIMEOUT_SECONDS} seconds otherwise.
   */
  public DefaultPostgresInfra(
      String adminJdbcUrl, String username, String password, String description) {
    this.adminJdbcUrl = adminJdbcUrl;
    this.username = username;
    this.password = password == null ? "" : password;
    this.description = description;
    try (Connection c = connect(adminJdbcUrl)) {
      c.isValid(CONNECT_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      throw new InfraUnavailableException(
          adminJdbcUrl, "PostgreSQL (" + description + ") does not answer: " + e.getMessage(), e);
    }
  }

  @Override
  public String serverVersion() {
    try (Connection c = connect(adminJdbcUrl);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version()")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new TestkitException("SELECT version() failed on " + adminJdbcUrl, e);
    }
  }

  @Override
  public TestDatabase newDatabase(String prefix) {
    String name = RandomNames.databaseName(prefix);
    // the name is generated from a validated prefix and a random [a-z0-9] suffix: safe to inline
    execute("CREATE DATABASE " + name);
    return new DefaultTestDatabase(
        name, JdbcUrls.withDatabase(adminJdbcUrl, name), username, password, this::dropDatabase);
  }

  public String adminJdbcUrl() {
    return adminJdbcUrl;
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  @Override
  public String toString() {
    return "PostgreSQL " + description + " at " + adminJdbcUrl;
  }

  private void dropDatabase(String name) {
    // FORCE ends sessions a test left open (a child JVM, a leaked connection), PG 13+
    execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private void execute(String sql) {
    try (Connection c = connect(adminJdbcUrl);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new TestkitException(sql + " failed on " + adminJdbcUrl, e);
    }
  }

  private Connection connect(String url) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", username);
    props.setProperty("password", password);
    props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("socketTimeout", "60");
    return DriverManager.getConnection(url, props);
  }
}
