package io.sagacoord.bench.internal;

import io.sagacoord.testkit.KafkaBrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The Kafka broker of a benchmark on an external PostgreSQL: a process of its own, as a deployed
 * broker is, so that neither the load generator's allocations and collector pauses nor its CPU are
 * the broker's. It runs with the heap and collector settings Kafka's start scripts give a broker
 * ({@code kafka-server-start.sh}: a fixed 1 GB heap; {@code kafka-run-class.sh}: G1 with a 20 ms
 * pause goal, marking from 35% occupancy), or with {@code bench.kafka.jvm-args} (options separated
 * by spaces).
 */
final class BenchBroker {

  static final List<String> KAFKA_SCRIPTS_JVM =
      List.of(
          "-Xms1g",
          "-Xmx1g",
          "-XX:+UseG1GC",
          "-XX:MaxGCPauseMillis=20",
          "-XX:InitiatingHeapOccupancyPercent=35",
          "-XX:+ExplicitGCInvokesConcurrent");

  private BenchBroker() {}

  /** Whether the broker gets a JVM of its own ({@code bench.kafka.own-jvm}, true by default). */
  static boolean ownJvm() {
    return Boolean.parseBoolean(System.getProperty("bench.kafka.own-jvm", "true"));
  }

  /** The JVM options of the broker: {@code bench.kafka.jvm-args}, or those of Kafka's scripts. */
  static List<String> jvmArgs() {
    String given = System.getProperty("bench.kafka.jvm-args", "").trim();
    return given.isEmpty() ? KAFKA_SCRIPTS_JVM : Arrays.asList(given.split("\\s+"));
  }

  /** Starts the broker in a fresh folder (deleted with its data when the broker is closed). */
  static KafkaBrokerProcess start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("bench-kafka");
    } catch (IOException e) {
      throw new BenchException("could not create a folder for the Kafka broker: " + e, e);
    }
    return KafkaBrokerProcess.start(dir, jvmArgs());
  }
}
