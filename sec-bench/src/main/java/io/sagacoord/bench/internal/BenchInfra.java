package io.sagacoord.bench.internal;

import io.sagacoord.testkit.EmbeddedInfra;
import io.sagacoord.testkit.KafkaBrokerProcess;
import io.sagacoord.testkit.SagaInfra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Where a benchmark's PostgreSQL and Kafka are. With the embedded PostgreSQL (the test suite) both
 * come from the test kit's {@link EmbeddedInfra}, the broker in this JVM. With an external
 * PostgreSQL the Kafka broker is a process of its own, as a deployed broker is, so that neither the
 * load generator's allocations and collector pauses nor its CPU are the broker's. That broker runs
 * with the heap and collector settings Kafka's start scripts give a broker ({@code
 * kafka-server-start.sh}: a fixed 1 GB heap; {@code kafka-run-class.sh}: G1 with a 20 ms pause
 * goal, marking from 35% occupancy), or with {@code bench.kafka.jvm-args} (options separated by
 * spaces); {@code bench.kafka.own-jvm=false}, or a broker named by {@code
 * SEC_TEST_KAFKA_BOOTSTRAP}, uses the test kit's broker instead.
 */
final class BenchInfra {

  static final List<String> KAFKA_SCRIPTS_JVM =
      List.of(
          "-Xms1g",
          "-Xmx1g",
          "-XX:+UseG1GC",
          "-XX:MaxGCPauseMillis=20",
          "-XX:InitiatingHeapOccupancyPercent=35",
          "-XX:+ExplicitGCInvokesConcurrent");

  private BenchInfra() {}

  /**
   * Starts the infrastructure.
   *
   * @param durable for embedded Postgres: keep the data in {@code dataDir}
   * @param external a Postgres server of one's own, or null for the embedded one
   */
  static BenchCluster.Infra start(boolean durable, Path dataDir, ExternalPostgres external) {
    if (external != null) {
      return ownBrokerJvm()
          ? external.withKafka(startBroker())
          : external.withKafka(SagaInfra.kafka().bootstrapServers(), null);
    }
    EmbeddedInfra embedded;
    if (durable) {
      BenchFiles.deleteRecursively(dataDir);
      embedded = EmbeddedInfra.start(dataDir);
    } else {
      embedded = EmbeddedInfra.start();
    }
    return embedded(embedded);
  }

  /** Whether the broker gets a JVM of its own (with an external PostgreSQL). */
  static boolean ownBrokerJvm() {
    return System.getenv("SEC_TEST_KAFKA_BOOTSTRAP") == null
        && Boolean.parseBoolean(System.getProperty("bench.kafka.own-jvm", "true"));
  }

  /** The JVM options of the broker: {@code bench.kafka.jvm-args}, or those of Kafka's scripts. */
  static List<String> brokerJvmArgs() {
    String given = System.getProperty("bench.kafka.jvm-args", "").trim();
    return given.isEmpty() ? KAFKA_SCRIPTS_JVM : Arrays.asList(given.split("\\s+"));
  }

  /**
   * Starts the broker in a fresh folder, which {@link
   * ExternalPostgres#withKafka(KafkaBrokerProcess)} deletes when the infrastructure is closed (here
   * when the broker does not start).
   */
  private static KafkaBrokerProcess startBroker() {
    Path dir;
    try {
      dir = Files.createTempDirectory("bench-kafka");
    } catch (IOException e) {
      throw new BenchException("could not create a folder for the Kafka broker: " + e, e);
    }
    try {
      return KafkaBrokerProcess.start(dir, brokerJvmArgs());
    } catch (RuntimeException | Error e) {
      try {
        BenchFiles.deleteRecursively(dir);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private static BenchCluster.Infra embedded(EmbeddedInfra e) {
    return new BenchCluster.Infra() {
      @Override
      public String jdbcUrl(String database) {
        return e.jdbcUrl(database);
      }

      @Override
      public String username() {
        return e.username();
      }

      @Override
      public String password() {
        return e.password();
      }

      @Override
      public String bootstrapServers() {
        return e.bootstrapServers();
      }

      @Override
      public String description() {
        return "sec-testkit EmbeddedInfra: zonky embedded PostgreSQL 17 and an in-process KRaft broker";
      }

      @Override
      public void close() {
        e.close();
      }
    };
  }
}
