package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.TestkitException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Uuid;

/**
 * The configuration of a single-node KRaft Kafka (broker and controller in one process, one quorum
 * voter on 127.0.0.1, replication factor 1 everywhere), shared by the in-process broker and the
 * broker run as a child process.
 */
public record KafkaNodeConfig(Path workDir, int brokerPort, int controllerPort, String clusterId) {

  /** Fresh ports and cluster id, or those stored in {@code workDir} by an earlier run. */
  public static KafkaNodeConfig forWorkDir(Path workDir) {
    Path file = workDir.resolve("server.properties");
    if (Files.exists(file)) {
      Properties stored = load(file);
      String clusterId = stored.getProperty("sec-testkit.cluster.id");
      if (clusterId != null) {
        // ports may be held by someone else since the last run; the cluster id must stay
        return withFreshPorts(workDir, clusterId);
      }
    }
    return withFreshPorts(workDir, Uuid.randomUuid().toString());
  }

  private static KafkaNodeConfig withFreshPorts(Path workDir, String clusterId) {
    int[] ports = FreePorts.distinct(2);
    return new KafkaNodeConfig(workDir, ports[0], ports[1], clusterId);
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  public Path dataDir() {
    return workDir.resolve("kafka-data");
  }

  public Path propertiesFile() {
    return workDir.resolve("server.properties");
  }

  public Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.setProperty(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dataDir().toAbsolutePath().toString());
    p.setProperty("num.partitions", "1");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    // fewer internal partitions than the default 50: created faster at first group join
    p.setProperty("offsets.topic.num.partitions", "5");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "5");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    // tests join groups often; the default 3 s delay only helps large groups
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "true");
    p.setProperty("delete.topic.enable", "true");
    // own key, ignored by Kafka (logs an unknown-config line): lets a restart keep the id
    p.setProperty("sec-testkit.cluster.id", clusterId);
    return p;
  }

  /** Writes server.properties and formats the storage (skipped when already formatted). */
  public void writeAndFormat() {
    writeAndFormat(Map.of());
  }

  /**
   * Writes server.properties with {@code extra} settings over {@link #toProperties()} and formats
   * the storage (skipped when already formatted).
   */
  public void writeAndFormat(Map<String, String> extra) {
    Properties properties = toProperties();
    extra.forEach(properties::setProperty);
    try {
      Files.createDirectories(dataDir());
      try (OutputStream out = Files.newOutputStream(propertiesFile())) {
        properties.store(out, "written by sec-testkit");
      }
    } catch (IOException e) {
      throw new TestkitException("could not write " + propertiesFile(), e);
    }
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    int rc;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      rc =
          kafka.tools.StorageTool.execute(
              new String[] {
                "format",
                "-t",
                clusterId,
                "-c",
                propertiesFile().toAbsolutePath().toString(),
                "--ignore-formatted"
              },
              out);
    } catch (RuntimeException e) {
      throw new TestkitException(
          "formatting Kafka storage in " + dataDir() + " failed: " + buffer, e);
    }
    if (rc != 0) {
      throw new TestkitException(
          "formatting Kafka storage in " + dataDir() + " exited with " + rc + ": " + buffer);
    }
  }

  private static Properties load(Path file) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new TestkitException("could not read " + file, e);
    }
    return p;
  }
}
