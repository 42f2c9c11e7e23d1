package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.InfraUnavailableException;
import io.sagacoord.testkit.TestkitException;
import java.nio.file.Path;
import java.time.Duration;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Time;

/** A real KRaft broker+controller running inside this JVM (what {@code kafka.Kafka} runs). */
public final class InProcessKafkaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final KafkaNodeConfig config;
  private final KafkaRaftServer server;
  private final Path workDir;
  private final boolean deleteOnClose;
  private boolean closed;

  private InProcessKafkaBroker(
      KafkaNodeConfig config, KafkaRaftServer server, Path workDir, boolean deleteOnClose) {
    this.config = config;
    this.server = server;
    this.workDir = workDir;
    this.deleteOnClose = deleteOnClose;
  }

  /** Formats (if needed) and starts a broker in {@code workDir}; waits until it answers. */
  public static InProcessKafkaBroker start(Path workDir, boolean deleteOnClose) {
    Logging.quietKafkaLoggers();
    KafkaNodeConfig config = KafkaNodeConfig.forWorkDir(workDir);
    config.writeAndFormat();
    KafkaRaftServer server = null;
    try {
      server =
          new KafkaRaftServer(KafkaConfig.fromProps(config.toProperties(), false), Time.SYSTEM);
      server.startup();
    } catch (RuntimeException e) {
      if (server != null) {
        try {
          server.shutdown();
        } catch (RuntimeException ignored) {
          // half-started; what matters is the original failure
        }
      }
      if (deleteOnClose) {
        Files2.deleteRecursively(workDir);
      }
      throw new InfraUnavailableException(
          config.bootstrapServers(), "in-process Kafka broker did not start", e);
    }
    InProcessKafkaBroker broker = new InProcessKafkaBroker(config, server, workDir, deleteOnClose);
    try (Admin admin =
        Admin.create(DefaultKafkaInfra.adminConfig(config.bootstrapServers(), 5_000))) {
      String clusterId =
          DefaultKafkaInfra.awaitClusterId(admin, config.bootstrapServers(), READY_TIMEOUT);
      if (!config.clusterId().equals(clusterId)) {
        throw new TestkitException(
            "another Kafka (cluster "
                + clusterId
                + ") answers on "
                + config.bootstrapServers()
                + "; ours is "
                + config.clusterId());
      }
    } catch (RuntimeException e) {
      broker.close();
      throw new InfraUnavailableException(
          config.bootstrapServers(), "in-process Kafka broker did not become ready", e);
    }
    return broker;
  }

  public String bootstrapServers() {
    return config.bootstrapServers();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      if (deleteOnClose) {
        Files2.deleteRecursively(workDir);
      }
    }
  }
}
