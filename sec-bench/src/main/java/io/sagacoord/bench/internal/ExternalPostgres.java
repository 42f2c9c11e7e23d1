package io.sagacoord.bench.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Postgres server the benchmark does not start (for example one with durable settings: the
 * embedded one runs with fsync off). The benchmark drops and creates its {@code bench_*} databases
 * there. Kafka then comes from the test kit ({@code SEC_TEST_KAFKA_BOOTSTRAP} or in-process).
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

  BenchCluster.Infra withKafka(String bootstrap) {
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
        return "external PostgreSQL at " + adminUrl + "; Kafka from the test kit (SagaInfra)";
      }

      @Override
      public void close() {
        // not ours to stop; the test kit stops its Kafka at exit
      }
    };
  }
}
