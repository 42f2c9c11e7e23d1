package io.sagacoord.testkit;

import io.sagacoord.testkit.internal.DefaultPostgresInfra;
import io.sagacoord.testkit.internal.EmbeddedPostgresServer;
import io.sagacoord.testkit.internal.Files2;
import io.sagacoord.testkit.internal.InProcessKafkaBroker;
import io.sagacoord.testkit.internal.JdbcUrls;
import io.sagacoord.testkit.internal.ShutdownHooks;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * Embedded PostgreSQL 17 and an in-process KRaft Kafka broker for running the product without any
 * installed infrastructure (the demo). Both listen on free ports on 127.0.0.1.
 *
 * <p>{@link #start()} keeps everything in a temporary directory deleted on {@link #close()}, with
 * fast, non-durable PostgreSQL settings (fsync off). {@link #start(Path)} keeps the data in the
 * given directory ({@code postgres/} and {@code kafka/} inside it) across runs, with PostgreSQL's
 * durable defaults. A JVM shutdown hook closes it if the caller does not.
 */
public final class EmbeddedInfra implements AutoCloseable {
  /** The database {@link #jdbcUrl()} points to; created on first start. */
  public static final String DEFAULT_DATABASE = "sagacoord";

  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

  private final EmbeddedPostgresServer postgres;
  private final InProcessKafkaBroker kafka;
  private final Path root;
  private final boolean deleteOnClose;
  private boolean closed;

  private EmbeddedInfra(
      EmbeddedPostgresServer postgres, InProcessKafkaBroker kafka, Path root, boolean delete) {
    this.postgres = postgres;
    this.kafka = kafka;
    this.root = root;
    this.deleteOnClose = delete;
  }

  /** Starts both in a temporary directory that {@link #close()} deletes. */
  public static EmbeddedInfra start() {
    return start(null);
  }

  /**
   * Starts both with their data in {@code dataDir} (kept on close, reused by the next start), or in
   * a temporary directory deleted on close when {@code dataDir} is null.
   */
  public static EmbeddedInfra start(Path dataDir) {
    boolean temporary = dataDir == null;
    Path root = temporary ? Files2.createTempDirectory("sec-embedded-") : dataDir.toAbsolutePath();
    EmbeddedPostgresServer pg =
        EmbeddedPostgresServer.start(root.resolve("postgres"), temporary, !temporary);
    InProcessKafkaBroker broker;
    try {
      broker = InProcessKafkaBroker.start(root.resolve("kafka"), temporary);
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
    EmbeddedInfra infra = new EmbeddedInfra(pg, broker, root, temporary);
    ShutdownHooks.closeOnExit(infra);
    try {
      infra.jdbcUrl(DEFAULT_DATABASE);
    } catch (RuntimeException e) {
      infra.close();
      throw e;
    }
    return infra;
  }

  /** JDBC URL of the {@value #DEFAULT_DATABASE} database. */
  public String jdbcUrl() {
    return JdbcUrls.withDatabase(postgres.adminJdbcUrl(), DEFAULT_DATABASE);
  }

  /**
   * JDBC URL of {@code database}, created if it does not exist yet (one per service of the demo,
   * for example). Lowercase letters, digits and underscore.
   */
  public String jdbcUrl(String database) {
    if (database == null || !DATABASE_NAME.matcher(database).matches()) {
      throw new IllegalArgumentException(
          "database must match " + DATABASE_NAME.pattern() + ": " + database);
    }
    try (Connection c =
            DriverManager.getConnection(postgres.adminJdbcUrl(), username(), password());
        PreparedStatement exists =
            c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, database);
      try (ResultSet rs = exists.executeQuery()) {
        if (!rs.next()) {
          try (Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database); // name checked against the pattern above
          }
        }
      }
    } catch (SQLException e) {
      throw new TestkitException("could not create database " + database, e);
    }
    return JdbcUrls.withDatabase(postgres.adminJdbcUrl(), database);
  }

  public String username() {
    return postgres.username();
  }

  /** Empty: the embedded server trusts connections from 127.0.0.1. */
  public String password() {
    return postgres.password();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** A {@link PostgresInfra} view of the embedded server (server version, test databases). */
  public PostgresInfra postgresInfra() {
    return new DefaultPostgresInfra(postgres.adminJdbcUrl(), username(), password(), "embedded");
  }

  /** Where the data lives. */
  public Path dataDir() {
    return root;
  }

  /**
   * Has {@code user} (something that talks to this PostgreSQL or Kafka, such as the services of the
   * demo) closed when the JVM exits, before this infrastructure is. JVM shutdown hooks run
   * concurrently, so a separate hook of the caller's could otherwise still be using the database
   * while it stops.
   */
  public void closeBeforeOnExit(AutoCloseable user) {
    ShutdownHooks.closeOnExit(java.util.Objects.requireNonNull(user, "user"));
  }

  /** Stops Kafka, then PostgreSQL; deletes the data if it was temporary. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ShutdownHooks.forget(this);
    try {
      kafka.close();
    } finally {
      try {
        postgres.close();
      } finally {
        if (deleteOnClose) {
          Files2.deleteRecursively(root);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "EmbeddedInfra(postgres " + jdbcUrl() + ", kafka " + bootstrapServers() + ")";
  }
}
