package io.sagacoord.server.dist;

import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;

/**
 * A participant on raw Kafka clients, written from docs/protocol.md: it answers every command on
 * its topic with {@code SUCCESS} and an empty object, on the reply topic the command names.
 */
final class EchoParticipant implements AutoCloseable {

  private final String name;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final List<String> commandTypes = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile RuntimeException failure;

  EchoParticipant(
      String name, String topic, Map<String, Object> consumerConfig, Map<String, Object> producer) {
    this.name = name;
    this.consumer = new KafkaConsumer<>(consumerConfig);
    this.producer = new KafkaProducer<>(producer);
    consumer.subscribe(List.of(topic));
    this.thread = new Thread(this::loop, "echo-participant-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** The command types received, in order. */
  List<String> commandTypes() {
    if (failure != null) {
      throw failure;
    }
    return List.copyOf(commandTypes);
  }

  private void loop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        for (ConsumerRecord<String, byte[]> command : consumer.poll(Duration.ofMillis(200))) {
          answer(command);
        }
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      consumer.close();
    }
  }

  private void answer(ConsumerRecord<String, byte[]> command) {
    commandTypes.add(header(command, SagaHeaders.COMMAND_TYPE));
    ProducerRecord<String, byte[]> reply =
        new ProducerRecord<>(
            header(command, SagaHeaders.REPLY_TOPIC),
            command.key(),
            "{}".getBytes(StandardCharsets.UTF_8));
    for (String repeated :
        List.of(
            SagaHeaders.SAGA_ID,
            SagaHeaders.SAGA_TYPE,
            SagaHeaders.STEP,
            SagaHeaders.PHASE,
            SagaHeaders.ATTEMPT,
            SagaHeaders.COMMAND_ID)) {
      reply.headers().add(repeated, header(command, repeated).getBytes(StandardCharsets.UTF_8));
    }
    reply.headers().add(SagaHeaders.MESSAGE_KIND, bytes("reply"));
    reply.headers().add(SagaHeaders.OUTCOME, bytes("SUCCESS"));
    reply.headers().add(SagaHeaders.PARTICIPANT, bytes(name));
    try {
      producer.send(reply).get();
    } catch (Exception e) {
      throw new IllegalStateException("reply not sent: " + e, e);
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String key) {
    Header header = record.headers().lastHeader(key);
    if (header == null) {
      throw new IllegalStateException("command without header " + key);
    }
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    consumer.wakeup();
    thread.join(10_000);
    producer.close();
  }
}
