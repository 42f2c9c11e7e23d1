package io.sagacoord.bench.internal;

import io.sagacoord.testkit.KafkaBrokerProcess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Postgres server the benchmark does not start (for example one with durable settings: the
 * embedded one runs with fsync off). The benchmark drops and creates its {@code bench_*} databases
 * there. Kafka then runs beside it ({@link BenchInfra}).
 *
 * @param adminUrl JDBC URL of a database to connect to for {@code CREATE DATABASE}, e.g. {@code
 *     jdbc:postgresql://127.0.0.1:5432/postgres}
 */
public record ExternalPostgres(String adminUrl, String username, String password) {

  private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/]+)/([^?]*)(\\?.*)?");
  private static final Pattern NAME = Pattern.compile("bench_[a-z0-9_]{1,40}");

  /** From {@code -Dbench.pg.url} (or env {@code BENCH_PG_URL}); null when not set. */
  public static ExternalPostgres fromEnvironment() {
    String url = setting("bench.pg.url", "BENCH_PG_URL", null);
    if (url == null || url.isBlank()) {
      return null;
    }
    if (!URL.matcher(url).matches()) {
      throw new IllegalArgumentException("bench.pg.url is not a PostgreSQL JDBC URL: " + url);
    }
    return new ExternalPostgres(
        url,
        setting("bench.pg.user", "BENCH_PG_USER", "postgres"),
        setting("bench.pg.password", "BENCH_PG_PASSWORD", ""));
  }

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property, System.getenv(env));
    return v == null ? fallback : v;
  }

  /** With a broker of its own, stopped when the infrastructure is closed. */
  BenchCluster.Infra withKafka(KafkaBrokerProcess broker) {
    return withKafka(broker.bootstrapServers(), broker);
  }

  /**
   * With the test kit's broker in this JVM ({@code broker} null) or a broker process of its own.
   */
  BenchCluster.Infra withKafka(String bootstrap, KafkaBrokerProcess broker) {
    ExternalPostgres pg = this;
    return new BenchCluster.Infra() {
      private final java.util.Set<String> created = new java.util.HashSet<>();

      @Override
      public synchronized String jdbcUrl(String database) {
        if (!NAME.matcher(database).matches()) {
          throw new IllegalArgumentException("database must match " + NAME.pattern());
        }
        if (created.add(database)) {
          try (Connection c = DriverManager.getConnection(adminUrl, username, password);
              Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + database);
          } catch (SQLException e) {
            throw new BenchException("could not create database " + database + ": " + e, e);
          }
        }
        Matcher m = URL.matcher(adminUrl);
        m.matches();
        return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
      }

      @Override
      public String username() {
        return pg.username();
      }

      @Override
      public String password() {
        return pg.password();
      }

      @Override
      public String bootstrapServers() {
        return bootstrap;
      }

      @Override
      public String description() {
        return "external PostgreSQL at "
            + adminUrl
            + (broker == null
                ? "; the test kit's KRaft broker in this JVM (SagaInfra)"
                : "; the test kit's KRaft broker in its own JVM ("
                    + String.join(" ", BenchInfra.brokerJvmArgs())
                    + ")");
      }

      @Override
      public long kafkaPid() {
        return broker == null ? 0 : broker.pid();
      }

      @Override
      public void close() {
        // the test kit stops its own broker at exit
        if (broker != null) {
          try {
            broker.close();
          } finally {
            // the broker deletes its data and configuration, not the folder it was given
            BenchFiles.deleteRecursively(broker.dataDir().getParent());
          }
        }
      }
    };
  }
}
