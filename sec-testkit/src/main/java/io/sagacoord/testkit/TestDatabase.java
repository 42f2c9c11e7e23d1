package io.sagacoord.testkit;

import javax.sql.DataSource;

/**
 * One database created for one test (or one test class). Closing it closes its connection pool and
 * drops the database (terminating any connection still open to it).
 */
public interface TestDatabase extends AutoCloseable {

  String name();

  /** A JDBC URL for this database, usable by a child process as well. */
  String jdbcUrl();

  String username();

  /** The password; an empty string where the server trusts local connections (embedded). */
  String password();

  /**
   * A pooled DataSource for this database (HikariCP, at most 8 connections, created on first call
   * and shared by later calls).
   */
  DataSource dataSource();

  @Override
  void close();
}
