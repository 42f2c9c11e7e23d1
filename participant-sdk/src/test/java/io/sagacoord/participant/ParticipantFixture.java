package io.sagacoord.participant;

import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One test's Kafka topics, database, command sender and reply reader. Closes everything it opened.
 */
public final class ParticipantFixture implements AutoCloseable {
  public final KafkaInfra kafka;
  public final TestDatabase db;
  public final String commandTopic;
  public final String replyTopic;
  public final String deadLetterTopic;
  public final String registryTopic;
  public final String groupId;
  public final FlightService flights = new FlightService();
  private final KafkaProducer<String, byte[]> producer;
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  public ParticipantFixture(KafkaInfra kafka, TestDatabase db) throws Exception {
    this.kafka = kafka;
    this.db = db;
    this.commandTopic = kafka.uniqueTopic("flight-commands");
    this.replyTopic = kafka.uniqueTopic("replies");
    this.deadLetterTopic = kafka.uniqueTopic("flight-dlq");
    this.registryTopic = kafka.uniqueTopic("registry");
    this.groupId = kafka.uniqueTopic("flight-group");
    kafka.createTopic(commandTopic, 2);
    kafka.createTopic(replyTopic, 1);
    kafka.createTopic(deadLetterTopic, 1);
    kafka.createTopic(registryTopic, 1);
    this.producer = new KafkaProducer<>(kafka.producerConfig());
    FlightService.createSchema(db.dataSource());
  }

  /** A flight participant on this fixture's topics, with the flight handlers registered. */
  public Participant.Builder flightParticipant() {
    return participantWithoutHandlers()
        .onCommand(
            FlightService.RESERVE,
            io.sagacoord.participant.flight.ReserveFlight.class,
            flights::reserve)
        .onCompensation(
            FlightService.CANCEL,
            io.sagacoord.participant.flight.CancelFlight.class,
            flights::cancel);
  }

  /** A flight participant on this fixture's topics; the test registers its own handlers. */
  public Participant.Builder participantWithoutHandlers() {
    return Participant.builder("flight-service")
        .kafka(Map.of("bootstrap.servers", kafka.bootstrapServers()))
        .dataSource(db.dataSource())
        .commandTopic(commandTopic)
        .deadLetterTopic(deadLetterTopic)
        .registryTopic(registryTopic)
        .groupId(groupId)
        .pollTimeout(Duration.ofMillis(100))
        .failureBackoff(Duration.ofMillis(200));
  }

  public Participant start(Participant.Builder builder) {
    Participant participant = builder.build();
    closeables.add(participant);
    participant.start();
    return participant;
  }

  public void send(CommandSpec spec) {
    try {
      sendAsync(spec).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void flush() {
    producer.flush();
  }

  /** Sends without waiting for the broker's acknowledgement. */
  public java.util.concurrent.Future<RecordMetadata> sendAsync(CommandSpec spec) {
    return sendAsync(spec, null);
  }

  /** Sends to {@code partition} of the command topic (null: by key) and waits for the broker. */
  public RecordMetadata sendTo(CommandSpec spec, int partition) {
    try {
      return sendAsync(spec, partition).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private java.util.concurrent.Future<RecordMetadata> sendAsync(
      CommandSpec spec, Integer partition) {
    List<Header> headers = new ArrayList<>();
    add(headers, SagaHeaders.SAGA_ID, spec.sagaId().toString());
    add(headers, SagaHeaders.SAGA_TYPE, "trip-booking");
    add(headers, SagaHeaders.STEP, spec.step());
    add(headers, SagaHeaders.PHASE, spec.phase().wireName());
    add(headers, SagaHeaders.ATTEMPT, Integer.toString(spec.attempt()));
    add(headers, SagaHeaders.COMMAND_ID, spec.commandId());
    add(headers, SagaHeaders.MESSAGE_KIND, MessageKind.COMMAND.wireName());
    add(headers, SagaHeaders.COMMAND_TYPE, spec.commandType());
    add(headers, SagaHeaders.REPLY_TOPIC, replyTopic);
    if (spec.deadline() != null) {
      add(headers, SagaHeaders.DEADLINE, Long.toString(spec.deadline().toEpochMilli()));
    }
    return producer.send(
        new ProducerRecord<>(
            commandTopic,
            partition,
            spec.sagaId().toString(),
            spec.body().getBytes(StandardCharsets.UTF_8),
            headers));
  }

  public void sendRaw(String key, List<Header> headers, byte[] body) {
    try {
      producer.send(new ProducerRecord<>(commandTopic, null, key, body, headers)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static void add(List<Header> headers, String name, String value) {
    headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
  }

  /** Waits until the reply topic holds at least {@code count} records and returns them all. */
  public List<ConsumerRecord<String, byte[]>> awaitReplies(int count) {
    return awaitRecords(replyTopic, count);
  }

  public List<ConsumerRecord<String, byte[]>> awaitDeadLetters(int count) {
    return awaitRecords(deadLetterTopic, count);
  }

  /** Reads a topic from the beginning until it holds at least {@code count} records. */
  public List<ConsumerRecord<String, byte[]>> awaitRecords(String topic, int count) {
    List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig(UUID.randomUUID().toString()))) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
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

  public long count(String sql) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public static String header(ConsumerRecord<?, ?> record, String name) {
    return header(record.headers(), name);
  }

  public static String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  public static String body(ConsumerRecord<?, byte[]> record) {
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
