package io.sagacoord.server.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.LoggerFactory;

/**
 * Main class of {@link ScriptedParticipants} run as a child process, for tests that kill a
 * participant: it answers the commands of {@code -Dtest.topics} (comma-separated) by the scenario
 * in the saga data, each after a random delay of up to {@code -Dtest.answer-within} (an ISO-8601
 * duration, default none), and runs until it is killed. Given {@code -Dtest.heartbeat}
 * (participant, instance and interval, e.g. {@code flight|flight-a|PT0.3S}) and {@code
 * -Dtest.registry-topic}, it also announces itself and sends heartbeats on the registry topic in
 * the protocol's wire form, as a participant written in another language would.
 *
 * <p>The consumer is a static member of its group ({@code group.instance.id}), so a restarted
 * process gets its partitions back at once and goes on from the committed offsets. Offsets are
 * committed when a batch has been polled, not when its answers are sent: a kill loses the commands
 * whose answers were still waiting, as a participant that crashes mid-work does.
 */
public final class ScriptedParticipantMain {

  /** Printed once the participant is subscribed. */
  public static final String READY = "scripted participant ready";

  private ScriptedParticipantMain() {}

  /** Starts the participant as a child JVM and waits until it is subscribed. */
  public static JavaProcess start(
      String name, KafkaInfra kafka, String group, List<String> topics, Duration answerWithin) {
    JavaProcess child =
        JavaProcess.builder(ScriptedParticipantMain.class.getName())
            .name(name)
            .systemProperty("test.bootstrap-servers", kafka.bootstrapServers())
            .systemProperty("test.group", group)
            .systemProperty("test.topics", String.join(",", topics))
            .systemProperty("test.answer-within", answerWithin.toString())
            .jvmArg("-Xmx128m")
            .jvmArg("-XX:TieredStopAtLevel=1")
            .start();
    awaitReady(child);
    return child;
  }

  /**
   * Like {@link #start(String, KafkaInfra, String, List, Duration)}, and the child announces itself
   * as {@code instance} of {@code participant} and sends a heartbeat every {@code heartbeat}.
   */
  public static JavaProcess startWithHeartbeats(
      String name,
      KafkaInfra kafka,
      String group,
      List<String> topics,
      String registryTopic,
      String participant,
      String instance,
      Duration heartbeat) {
    JavaProcess child =
        JavaProcess.builder(ScriptedParticipantMain.class.getName())
            .name(name)
            .systemProperty("test.bootstrap-servers", kafka.bootstrapServers())
            .systemProperty("test.group", group)
            .systemProperty("test.topics", String.join(",", topics))
            .systemProperty("test.registry-topic", registryTopic)
            .systemProperty("test.heartbeat", participant + "|" + instance + "|" + heartbeat)
            .jvmArg("-Xmx128m")
            .jvmArg("-XX:TieredStopAtLevel=1")
            .start();
    awaitReady(child);
    return child;
  }

  /** Waits until the (re)started child is subscribed; stops it if it never gets there. */
  public static void awaitReady(JavaProcess child) {
    try {
      child.awaitLogLine(READY, Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  public static void main(String[] args) throws InterruptedException {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
    ((Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.WARN);
    String bootstrap = required("test.bootstrap-servers");
    String group = required("test.group");
    List<String> topics = List.of(required("test.topics").split(","));

    Map<String, Object> consumer = new HashMap<>();
    consumer.put("bootstrap.servers", bootstrap);
    consumer.put("group.id", group);
    consumer.put("group.instance.id", group + "-member");
    Map<String, Object> producer = new HashMap<>();
    producer.put("bootstrap.servers", bootstrap);
    producer.put("acks", "all");
    producer.put("enable.idempotence", true);

    ScriptedParticipants participants = new ScriptedParticipants(consumer, producer, topics);
    participants.answerWithin(Duration.parse(System.getProperty("test.answer-within", "PT0S")));
    String heartbeat = System.getProperty("test.heartbeat");
    if (heartbeat != null) {
      String[] parts = heartbeat.split("\\|");
      heartbeats(
          producer, required("test.registry-topic"), parts[0], parts[1], Duration.parse(parts[2]));
    }
    System.out.println(READY + " on " + topics);
    // runs until killed; the participants' threads are daemons, so this thread keeps the JVM up
    new CountDownLatch(1).await();
  }

  /** The announcement, then a heartbeat every interval, as docs/protocol.md describes them. */
  private static void heartbeats(
      Map<String, Object> config,
      String registryTopic,
      String participant,
      String instance,
      Duration interval) {
    KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    long ms = interval.toMillis();
    producer.send(
        registryRecord(
            registryTopic,
            participant,
            "announcement",
            "{\"participant\":\""
                + participant
                + "\",\"instance\":\""
                + instance
                + "\",\"version\":\"scripted\",\"commandTypes\":[],\"compensationTypes\":[],"
                + "\"announcedAt\":\""
                + Instant.now()
                + "\",\"heartbeatIntervalMs\":"
                + ms
                + "}"));
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "heartbeats");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleAtFixedRate(
        () ->
            producer.send(
                registryRecord(
                    registryTopic,
                    participant,
                    "heartbeat",
                    "{\"participant\":\""
                        + participant
                        + "\",\"instance\":\""
                        + instance
                        + "\",\"intervalMs\":"
                        + ms
                        + ",\"sentAt\":\""
                        + Instant.now()
                        + "\"}")),
        ms,
        ms,
        TimeUnit.MILLISECONDS);
  }

  private static ProducerRecord<String, String> registryRecord(
      String topic, String participant, String kind, String body) {
    ProducerRecord<String, String> record = new ProducerRecord<>(topic, participant, body);
    record.headers().add(SagaHeaders.MESSAGE_KIND, kind.getBytes(StandardCharsets.UTF_8));
    record.headers().add(SagaHeaders.PARTICIPANT, participant.getBytes(StandardCharsets.UTF_8));
    return record;
  }

  private static String required(String key) {
    String value = System.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("system property " + key + " is required");
    }
    return value;
  }
}
