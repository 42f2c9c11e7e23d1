package io.sagacoord.testkit;

import io.sagacoord.testkit.internal.DefaultKafkaInfra;
import io.sagacoord.testkit.internal.Files2;
import io.sagacoord.testkit.internal.KafkaNodeConfig;
import io.sagacoord.testkit.internal.LogTail;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A real Kafka broker (KRaft, broker and controller in one node, replication factor 1) running as a
 * separate OS process: for fault tests ({@link #kill()} sends SIGKILL, {@link #restart()} starts it
 * again on the same data directory and ports), and for measurements that must not share a JVM, its
 * heap and its collector's pauses with the load.
 *
 * <p>The broker runs {@code kafka.Kafka} from this JVM's classpath (the {@code kafka_2.13}
 * artifact) as a {@link JavaProcess} named {@code kafka-broker}, by default with at most 512 MB
 * heap; its log is under {@code target/testkit-logs/}. Storage is formatted with {@code
 * kafka.tools.StorageTool format --ignore-formatted} before each start. Ready means:
 * describeCluster answers on our port with our cluster id (so a stranger on a recycled port is
 * never mistaken for our broker); the wait is bounded by 120 s.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  /**
   * A broker restarted after SIGKILL may register again only once the controller has timed out the
   * registration of its killed incarnation, and the controller (the same process) restarts that
   * timeout when it starts. A timeout of 3 s instead of Kafka's default 9 s lets the restarted
   * broker in sooner; it is still six heartbeats long.
   */
  private static final Map<String, String> KILLABLE =
      Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "500");

  /** The JVM of a test broker: small, and a collector without background threads. */
  public static final List<String> TEST_JVM = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC");

  private final KafkaNodeConfig config;
  private final Path logbackConfig;
  private final List<String> jvmArgs;
  private JavaProcess process;

  private KafkaBrokerProcess(KafkaNodeConfig config, Path logbackConfig, List<String> jvmArgs) {
    this.config = config;
    this.logbackConfig = logbackConfig;
    this.jvmArgs = List.copyOf(jvmArgs);
  }

  /**
   * Formats storage under {@code workDir} (kept if already formatted), starts the broker on free
   * ports and waits until it answers.
   */
  public static KafkaBrokerProcess start(Path workDir) {
    return start(workDir, TEST_JVM);
  }

  /**
   * As {@link #start(Path)}, with these JVM options instead of {@link #TEST_JVM} (a broker measured
   * under load wants the heap and collector a production broker runs with).
   */
  public static KafkaBrokerProcess start(Path workDir, List<String> jvmArgs) {
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new TestkitException("could not create " + workDir, e);
    }
    KafkaNodeConfig config = KafkaNodeConfig.forWorkDir(workDir.toAbsolutePath());
    Path logback = workDir.toAbsolutePath().resolve("broker-logback.xml");
    writeLogbackConfig(logback);
    KafkaBrokerProcess broker = new KafkaBrokerProcess(config, logback, jvmArgs);
    broker.launch(false);
    return broker;
  }

  /** {@code 127.0.0.1:<port>}; the same across restarts. */
  public String bootstrapServers() {
    return config.bootstrapServers();
  }

  /** The Kafka log directory (survives {@link #kill()} and {@link #restart()}). */
  public Path dataDir() {
    return config.dataDir();
  }

  public synchronized long pid() {
    return process.pid();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The broker's log of the current start. */
  public synchronized Path logFile() {
    return process.logFile();
  }

  /** SIGKILL: no controlled shutdown, no flush; waits until the process is gone. */
  public synchronized void kill() {
    process.kill();
  }

  /** Starts the broker again on the same data directory and ports; waits until ready. */
  public synchronized void restart() {
    if (process.isAlive()) {
      process.kill();
    }
    launch(true);
  }

  /** Kills the broker and deletes its data directory and configuration. */
  @Override
  public synchronized void close() {
    try {
      if (process != null) {
        process.close();
      }
    } finally {
      Files2.deleteRecursively(config.dataDir());
      try {
        Files.deleteIfExists(config.propertiesFile());
        Files.deleteIfExists(logbackConfig);
      } catch (IOException e) {
        // leftovers in a caller's temp folder are harmless
      }
    }
  }

  @Override
  public String toString() {
    return "KafkaBrokerProcess at " + bootstrapServers() + " (data " + dataDir() + ")";
  }

  private void launch(boolean again) {
    config.writeAndFormat(KILLABLE);
    if (again) {
      process.restart();
    } else {
      JavaProcess.Builder builder = JavaProcess.builder("kafka.Kafka").name("kafka-broker");
      jvmArgs.forEach(builder::jvmArg);
      process =
          builder
              .systemProperty("logback.configurationFile", logbackConfig.toString())
              .args(config.propertiesFile().toString())
              .start();
    }
    awaitReady();
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    Exception last = null;
    try (Admin admin = Admin.create(DefaultKafkaInfra.adminConfig(bootstrapServers(), 3_000))) {
      while (Instant.now().isBefore(deadline)) {
        if (!process.isAlive()) {
          throw notReady("exited before it was ready", last);
        }
        try {
          String clusterId =
              admin
                  .describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                  .clusterId()
                  .get(4, TimeUnit.SECONDS);
          if (!config.clusterId().equals(clusterId)) {
            throw notReady(
                "is not the one answering: cluster "
                    + clusterId
                    + " answers on "
                    + bootstrapServers()
                    + ", ours is "
                    + config.clusterId(),
                null);
          }
          return;
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TestkitException("interrupted while waiting for " + this, e);
        }
      }
    }
    throw notReady("did not answer within " + READY_TIMEOUT, last);
  }

  private ChildProcessException notReady(String what, Exception cause) {
    Path log = process.logFile();
    process.close();
    return new ChildProcessException(
        process.name(),
        log,
        "Kafka broker process at "
            + bootstrapServers()
            + " "
            + what
            + "; last lines of "
            + log
            + ":\n"
            + LogTail.tail(log, 80),
        cause);
  }

  private static void writeLogbackConfig(Path file) {
    String xml =
        """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="state.change.logger" level="WARN"/>
          <logger name="org.apache.kafka.common.config" level="WARN"/>
          <logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;
    try {
      Files.writeString(file, xml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new TestkitException("could not write " + file, e);
    }
  }
}
