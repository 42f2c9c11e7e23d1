package io.sagacoord.server.internal.kafka;

import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.outbox.CommandSender;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.stereotype.Component;

/** Sends outbox rows with an idempotent Kafka producer, after checking or creating the topics. */
@Component
public class KafkaCommandSender implements CommandSender {

  private final SecProperties properties;
  private final TopicAdmin topics;
  private final SagaTracing tracing;
  private volatile Producer<String, byte[]> producer;

  public KafkaCommandSender(SecProperties properties, TopicAdmin topics, SagaTracing tracing) {
    this.properties = properties;
    this.topics = topics;
    this.tracing = tracing;
  }

  @Override
  public void open() {
    topics.ensureTopics();
    producer = new KafkaProducer<>(KafkaClients.producer(properties));
  }

  @Override
  public void send(OutboxRow row, Consumer<Exception> answer) {
    producer.send(record(row), (metadata, error) -> answer.accept(error));
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close(Duration timeout) {
    Producer<String, byte[]> p = producer;
    if (p != null) {
      p.close(timeout);
    }
  }

  /** The row as a record; when traced, the send's own span context replaces the row's. */
  private ProducerRecord<String, byte[]> record(OutboxRow row) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            row.topic(), null, row.messageKey(), row.payload().getBytes(StandardCharsets.UTF_8));
    String traceparent = tracing.sending(row);
    for (Map.Entry<String, String> header : row.headers().entrySet()) {
      String value =
          traceparent != null && SagaHeaders.TRACEPARENT.equals(header.getKey())
              ? traceparent
              : header.getValue();
      record.headers().add(header.getKey(), value.getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }
}
