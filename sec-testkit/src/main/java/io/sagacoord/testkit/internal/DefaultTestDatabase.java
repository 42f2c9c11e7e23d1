package io.sagacoord.testkit.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.testkit.TestDatabase;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** A database created for a test, with a lazily created small Hikari pool. */
final class DefaultTestDatabase implements TestDatabase {
  static final int MAX_POOL_SIZE = 8;

  private final String name;
  private final String jdbcUrl;
  private final String username;
  private final String password;
  private final Consumer<String> dropper;
  private HikariDataSource dataSource;
  private boolean closed;

  DefaultTestDatabase(
      String name, String jdbcUrl, String username, String password, Consumer<String> dropper) {
    this.name = name;
    this.jdbcUrl = jdbcUrl;
    this.username = username;
    this.password = password;
    this.dropper = dropper;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String jdbcUrl() {
    return jdbcUrl;
  }

  @Override
  public String username() {
    return username;
  }

  @Override
  public String password() {
    return password;
  }

  @Override
  public synchronized DataSource dataSource() {
    if (closed) {
      throw new IllegalStateException("test database " + name + " is closed");
    }
    if (dataSource == null) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(jdbcUrl);
      config.setUsername(username);
      config.setPassword(password);
      config.setPoolName("testdb-" + name);
      config.setMaximumPoolSize(MAX_POOL_SIZE);
      // no idle connections kept: many test databases may be open at once on one server
      config.setMinimumIdle(0);
      config.setConnectionTimeout(10_000);
      dataSource = new HikariDataSource(config);
    }
    return dataSource;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (dataSource != null) {
      dataSource.close();
    }
    try {
      dropper.accept(name);
    } catch (RuntimeException e) {
      // a database left behind costs disk space only; it must not fail the test that used it
      System.err.println("[sec-testkit] could not drop database " + name + ": " + e);
    }
  }

  @Override
  public String toString() {
    return "TestDatabase " + name + " (" + jdbcUrl + ")";
  }
}
