package io.sagacoord.server.support;

import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Participants for tests, on raw Kafka clients: they read the command topics and answer by the
 * scenario in the saga data ({@link TestData}). Every command received is recorded.
 */
public final class ScriptedParticipants implements AutoCloseable {

  /** A command as a participant saw it. */
  public record Received(UUID sagaId, String step, Phase phase, int attempt, UUID commandId) {}

  private final JsonMapper json = JsonMapper.builder().build();
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, UUID> firstCommandIds = new ConcurrentHashMap<>();
  private final Map<UUID, Map<String, String>> commandHeaders = new ConcurrentHashMap<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger answersDue = new AtomicInteger();
  private final Map<String, Object> adminConfig;
  private final String group;
  private final List<String> topics;
  private final Thread thread;
  private final ScheduledExecutorService answering =
      // several threads: a burst of commands is answered within the delay, not one send at a time
      Executors.newScheduledThreadPool(
          8,
          r -> {
            Thread t = new Thread(r, "scripted-participants-answers");
            t.setDaemon(true);
            return t;
          });
  private final Set<String> broken = ConcurrentHashMap.newKeySet();
  private volatile Duration maxAnswerDelay = Duration.ZERO;
  private volatile boolean running = true;

  public ScriptedParticipants(
      Map<String, Object> consumerConfig,
      Map<String, Object> producerConfig,
      Collection<String> topics) {
    Map<String, Object> c = new HashMap<>(consumerConfig);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", false);
    this.consumer = new KafkaConsumer<>(c);
    Map<String, Object> p = new HashMap<>(producerConfig);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    this.producer = new KafkaProducer<>(p);
    this.adminConfig = Map.of("bootstrap.servers", consumerConfig.get("bootstrap.servers"));
    this.group = String.valueOf(consumerConfig.get("group.id"));
    this.topics = List.copyOf(topics);
    consumer.subscribe(this.topics);
    this.thread = new Thread(this::loop, "scripted-participants");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * From now on each command is answered after a random delay of up to {@code max} (as a
   * participant at work).
   */
  public void answerWithin(Duration max) {
    this.maxAnswerDelay = max;
  }

  /**
   * From now on every forward command of {@code step} is answered with a technical failure,
   * whatever the saga data says (a participant that is down), until {@link #heal}.
   */
  public void breakDown(String step) {
    broken.add(step);
  }

  /** Answers the forward commands of {@code step} by the saga data again. */
  public void heal(String step) {
    broken.remove(step);
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** How many messages (replies and others) the broker has acknowledged. */
  public int sent() {
    return sent.get();
  }

  /**
   * Whether every command on the participants' topics so far has been taken and answered (the
   * group's committed offsets reach the topics' ends, and no delayed answer waits). Offsets are
   * committed after a poll's records are handled or scheduled, so a record counted as taken is in
   * {@link #received} or waits for its delay.
   */
  public boolean answeredAll() {
    try (Admin admin = Admin.create(adminConfig)) {
      List<TopicPartition> partitions = new ArrayList<>();
      admin
          .describeTopics(topics)
          .allTopicNames()
          .get()
          .forEach(
              (topic, description) ->
                  description
                      .partitions()
                      .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get();
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      for (TopicPartition tp : partitions) {
        long end = ends.get(tp).offset();
        OffsetAndMetadata at = committed.get(tp);
        if (end > 0 && (at == null || at.offset() < end)) {
          return false;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("reading the participants' offsets failed", e);
    }
    return answersDue.get() == 0;
  }

  public List<Received> received(UUID sagaId) {
    return received.stream().filter(r -> r.sagaId().equals(sagaId)).toList();
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          long max = maxAnswerDelay.toMillis();
          if (max == 0) {
            handle(record);
          } else {
            answersDue.incrementAndGet();
            answering.schedule(
                () -> {
                  try {
                    handle(record);
                  } finally {
                    answersDue.decrementAndGet();
                  }
                },
                ThreadLocalRandom.current().nextLong(max + 1),
                TimeUnit.MILLISECONDS);
          }
        }
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  private void handle(ConsumerRecord<String, byte[]> record) {
    Map<String, String> h = new HashMap<>();
    for (Header header : record.headers()) {
      h.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
    }
    UUID sagaId = UUID.fromString(h.get(SagaHeaders.SAGA_ID));
    String step = h.get(SagaHeaders.STEP);
    Phase phase = Phase.fromWire(h.get(SagaHeaders.PHASE));
    int attempt = Integer.parseInt(h.get(SagaHeaders.ATTEMPT));
    UUID commandId = UUID.fromString(h.get(SagaHeaders.COMMAND_ID));
    commandHeaders.put(commandId, h);
    received.add(new Received(sagaId, step, phase, attempt, commandId));
    TestData data = json.readValue(record.value(), TestData.class);
    String key = sagaId + "/" + step + "/" + phase;
    firstCommandIds.putIfAbsent(key, commandId);

    if (phase == Phase.COMPENSATE) {
      if ("badundo".equals(data.scenario())) {
        reply(
            h, attempt, commandId, ReplyOutcome.TECHNICAL_FAILURE, "{\"reason\":\"undo broken\"}");
        return;
      }
      reply(h, attempt, commandId, ReplyOutcome.SUCCESS, "{}");
      return;
    }
    if (broken.contains(step)) {
      reply(h, attempt, commandId, ReplyOutcome.TECHNICAL_FAILURE, "{\"reason\":\"down\"}");
      return;
    }
    String okBody = "{\"boom\":false,\"value\":\"v-" + step + "\"}";
    if (!step.equals(data.failAt())) {
      reply(h, attempt, commandId, ReplyOutcome.SUCCESS, okBody);
      return;
    }
    switch (data.scenario()) {
      case "fail", "badundo" ->
          reply(h, attempt, commandId, ReplyOutcome.BUSINESS_FAILURE, "{\"reason\":\"no\"}");
      case "tech" ->
          reply(
              h,
              attempt,
              commandId,
              attempt <= data.failTimes() ? ReplyOutcome.TECHNICAL_FAILURE : ReplyOutcome.SUCCESS,
              attempt <= data.failTimes() ? "{\"reason\":\"flaky\"}" : okBody);
      case "silent" -> {
        // never answers: the step times out
      }
      case "dup" -> {
        reply(h, attempt, commandId, ReplyOutcome.SUCCESS, okBody);
        reply(h, attempt, commandId, ReplyOutcome.SUCCESS, okBody);
      }
      case "stale" -> {
        if (attempt == 1) {
          reply(h, 1, commandId, ReplyOutcome.TECHNICAL_FAILURE, "{\"reason\":\"flaky\"}");
        } else {
          // a late success of attempt 1 arrives first, then the real answer
          reply(h, 1, firstCommandIds.get(key), ReplyOutcome.SUCCESS, okBody);
          reply(h, attempt, commandId, ReplyOutcome.SUCCESS, okBody);
        }
      }
      case "throw" -> reply(h, attempt, commandId, ReplyOutcome.SUCCESS, "{\"boom\":true}");
      default -> reply(h, attempt, commandId, ReplyOutcome.SUCCESS, okBody);
    }
  }

  /**
   * Answers a command that the scenario left unanswered ("silent"), as its participant would; the
   * broker has acknowledged the reply when this returns.
   */
  public void answer(Received command, ReplyOutcome outcome, String body) {
    Map<String, String> headers = commandHeaders.get(command.commandId());
    if (headers == null) {
      throw new IllegalArgumentException("no such command received: " + command);
    }
    reply(headers, command.attempt(), command.commandId(), outcome, body);
  }

  private void reply(
      Map<String, String> command, int attempt, UUID commandId, ReplyOutcome outcome, String body) {
    Map<String, String> h = new HashMap<>();
    h.put(SagaHeaders.SAGA_ID, command.get(SagaHeaders.SAGA_ID));
    h.put(SagaHeaders.SAGA_TYPE, command.get(SagaHeaders.SAGA_TYPE));
    h.put(SagaHeaders.STEP, command.get(SagaHeaders.STEP));
    h.put(SagaHeaders.PHASE, command.get(SagaHeaders.PHASE));
    h.put(SagaHeaders.ATTEMPT, Integer.toString(attempt));
    h.put(SagaHeaders.COMMAND_ID, commandId.toString());
    h.put(SagaHeaders.MESSAGE_KIND, MessageKind.REPLY.wireName());
    h.put(SagaHeaders.OUTCOME, outcome.name());
    h.put(SagaHeaders.PARTICIPANT, "p-" + command.get(SagaHeaders.STEP));
    send(command.get(SagaHeaders.REPLY_TOPIC), command.get(SagaHeaders.SAGA_ID), h, body);
  }

  /** Sends any message to a topic (also for malformed replies). */
  public void send(String topic, String key, Map<String, String> headers, String body) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            topic, null, key, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
    try {
      producer.send(record).get();
      sent.incrementAndGet();
    } catch (Exception e) {
      throw new IllegalStateException("send failed", e);
    }
  }

  @Override
  public void close() {
    running = false;
    answering.shutdownNow();
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
