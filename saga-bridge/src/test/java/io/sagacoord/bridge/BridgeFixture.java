package io.sagacoord.bridge;

import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.Participant;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One test's topics and database, a bridge on them, and the coordinator's side of the wire:
 * commands sent and replies read with raw Kafka clients as {@code docs/protocol.md} describes them.
 */
final class BridgeFixture implements AutoCloseable {
  static final String RESERVE = "car.reserve";
  static final String CANCEL = "car.cancel";
  static final String STEP = "reserve-car";

  final KafkaInfra kafka;
  final TestDatabase db;
  final String commandTopic;
  final String replyTopic;
  final String deadLetterTopic;
  final String registryTopic;
  final String groupId;
  private final KafkaProducer<String, byte[]> producer;
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  BridgeFixture(KafkaInfra kafka, TestDatabase db) {
    this.kafka = kafka;
    this.db = db;
    this.commandTopic = kafka.uniqueTopic("car-commands");
    this.replyTopic = kafka.uniqueTopic("replies");
    this.deadLetterTopic = kafka.uniqueTopic("car-dlq");
    this.registryTopic = kafka.uniqueTopic("registry");
    this.groupId = kafka.uniqueTopic("car-bridge");
    kafka.createTopic(commandTopic, 2);
    kafka.createTopic(replyTopic, 1);
    kafka.createTopic(deadLetterTopic, 1);
    kafka.createTopic(registryTopic, 1);
    this.producer = new KafkaProducer<>(kafka.producerConfig());
  }

  /** The car bridge's settings for a service at {@code baseUrl}, fast retries. */
  BridgeConfig config(URI baseUrl, UnaryOperator<BridgeConfig.Http> http) {
    return config(baseUrl, http, null);
  }

  /** The same, with a health endpoint the announcements depend on. */
  BridgeConfig config(URI baseUrl, UnaryOperator<BridgeConfig.Http> http, String healthPath) {
    return new BridgeConfig(
        "car-service",
        baseUrl,
        commandTopic,
        Map.of("bootstrap.servers", kafka.bootstrapServers()),
        db.jdbcUrl(),
        db.username(),
        db.password(),
        List.of(RESERVE),
        List.of(CANCEL),
        Map.of(),
        http.apply(
            new BridgeConfig.Http(
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                1024 * 1024,
                3,
                Duration.ofMillis(20),
                Duration.ofMillis(100),
                Duration.ofSeconds(2),
                java.util.Set.of(409, 422))),
        healthPath,
        Duration.ofMillis(200));
  }

  SagaBridge start(BridgeConfig config) {
    return start(config, builder -> {});
  }

  /** A bridge on this fixture's topics; {@code tuning} may change further participant settings. */
  SagaBridge start(BridgeConfig config, Consumer<Participant.Builder> tuning) {
    SagaBridge bridge =
        new SagaBridge(
            config,
            db.dataSource(),
            builder -> {
              builder
                  .deadLetterTopic(deadLetterTopic)
                  .registryTopic(registryTopic)
                  .groupId(groupId)
                  .pollTimeout(Duration.ofMillis(100))
                  .failureBackoff(Duration.ofMillis(200));
              tuning.accept(builder);
            });
    closeables.add(bridge);
    bridge.start();
    return bridge;
  }

  /** A command as the coordinator sends it. */
  record Command(
      UUID sagaId,
      Phase phase,
      int attempt,
      String commandId,
      String commandType,
      String body,
      Instant deadline) {

    static Command reserve(UUID sagaId, String body) {
      return new Command(
          sagaId, Phase.FORWARD, 1, UUID.randomUUID().toString(), RESERVE, body, null);
    }

    static Command cancel(UUID sagaId, String body) {
      return new Command(
          sagaId, Phase.COMPENSATE, 1, UUID.randomUUID().toString(), CANCEL, body, null);
    }

    Command attempt(int next) {
      return new Command(
          sagaId, phase, next, UUID.randomUUID().toString(), commandType, body, deadline);
    }

    Command deadline(Instant at) {
      return new Command(sagaId, phase, attempt, commandId, commandType, body, at);
    }
  }

  void send(Command command) {
    send(command, null);
  }

  /** Sends the command with a {@code traceparent} header (none when null). */
  void send(Command command, String traceparent) {
    List<Header> headers = new ArrayList<>();
    if (traceparent != null) {
      add(headers, SagaHeaders.TRACEPARENT, traceparent);
    }
    add(headers, SagaHeaders.SAGA_ID, command.sagaId().toString());
    add(headers, SagaHeaders.SAGA_TYPE, "trip-booking");
    add(headers, SagaHeaders.STEP, STEP);
    add(headers, SagaHeaders.PHASE, command.phase().wireName());
    add(headers, SagaHeaders.ATTEMPT, Integer.toString(command.attempt()));
    add(headers, SagaHeaders.COMMAND_ID, command.commandId());
    add(headers, SagaHeaders.MESSAGE_KIND, MessageKind.COMMAND.wireName());
    add(headers, SagaHeaders.COMMAND_TYPE, command.commandType());
    add(headers, SagaHeaders.REPLY_TOPIC, replyTopic);
    if (command.deadline() != null) {
      add(headers, SagaHeaders.DEADLINE, Long.toString(command.deadline().toEpochMilli()));
    }
    try {
      producer
          .send(
              new ProducerRecord<>(
                  commandTopic,
                  null,
                  command.sagaId().toString(),
                  command.body().getBytes(StandardCharsets.UTF_8),
                  headers))
          .get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(List<Header> headers, String name, String value) {
    headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
  }

  /** Waits until the reply topic holds at least {@code count} records and returns them all. */
  List<ConsumerRecord<String, byte[]>> awaitReplies(int count) {
    List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig(UUID.randomUUID().toString()))) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(replyTopic).stream()
              .map(p -> new TopicPartition(replyTopic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= count;
              });
    }
    return seen;
  }

  /** The replies of one saga, in order, once there are {@code count} of them. */
  List<ConsumerRecord<String, byte[]>> awaitRepliesOf(UUID sagaId, int count) {
    List<ConsumerRecord<String, byte[]>> mine = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              mine.clear();
              try (KafkaConsumer<String, byte[]> consumer =
                  new KafkaConsumer<>(kafka.consumerConfig(UUID.randomUUID().toString()))) {
                List<TopicPartition> partitions =
                    consumer.partitionsFor(replyTopic).stream()
                        .map(p -> new TopicPartition(replyTopic, p.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                  for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().equals(sagaId.toString())) {
                      mine.add(r);
                    }
                  }
                }
              }
              return mine.size() >= count;
            });
    return mine;
  }

  /** How many records {@code topic} holds now. */
  long countRecords(String topic) {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig(UUID.randomUUID().toString()))) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      return partitions.stream().mapToLong(p -> end.get(p) - start.get(p)).sum();
    }
  }

  static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  static String body(ConsumerRecord<?, byte[]> record) {
    return new String(record.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
