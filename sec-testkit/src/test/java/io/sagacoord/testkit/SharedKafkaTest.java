package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

@SagaInfraTest
class SharedKafkaTest {

  @Test
  void producesAndConsumesARecordThroughTheSharedBroker(KafkaInfra kafka) throws Exception {
    String topic = kafka.uniqueTopic("roundtrip");
    kafka.createTopic(topic, 3);
    System.out.println("[sec-testkit] Kafka at " + kafka.bootstrapServers() + ", topic " + topic);

    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerConfig())) {
      RecordMetadata sent =
          producer
              .send(
                  new ProducerRecord<>(
                      topic, "saga-1", "hello kafka".getBytes(StandardCharsets.UTF_8)))
              .get(30, TimeUnit.SECONDS);
      System.out.println("[sec-testkit] produced to " + sent);
    }

    List<ConsumerRecord<String, byte[]>> received = pollUntilAny(kafka, topic);
    assertThat(received).hasSize(1);
    assertThat(received.get(0).key()).isEqualTo("saga-1");
    assertThat(new String(received.get(0).value(), StandardCharsets.UTF_8))
        .isEqualTo("hello kafka");
    System.out.println(
        "[sec-testkit] consumed "
            + received.get(0).key()
            + " = "
            + new String(received.get(0).value(), StandardCharsets.UTF_8));
  }

  @Test
  void createTopicIsIdempotentAndTopicNamesAreUnique(KafkaInfra kafka) {
    String topic = kafka.uniqueTopic("twice");
    assertThat(topic).startsWith("twice-").isNotEqualTo(kafka.uniqueTopic("twice"));
    kafka.createTopic(topic, 2);
    kafka.createTopic(topic, 2);
  }

  static List<ConsumerRecord<String, byte[]>> pollUntilAny(KafkaInfra kafka, String topic) {
    List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig("group-" + topic))) {
      consumer.subscribe(List.of(topic));
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      while (received.isEmpty() && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(500)).forEach(received::add);
      }
    }
    return received;
  }
}
