package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SagaInfraTest
class KafkaBrokerProcessTest {

  @Test
  void recordWrittenBeforeSigkillIsConsumedAfterRestartOnTheSameDataDir(@TempDir Path workDir)
      throws Exception {
    List<String> jvm = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC");
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(workDir, jvm)) {
      // the broker's JVM runs with the options given, and keeps them across a restart
      assertThat(jvmArguments(broker)).contains("-Xmx384m").doesNotContain("-Xmx512m");
      String topic = "survives-kill";
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(broker))) {
        producer
            .send(new ProducerRecord<>(topic, "saga-42", "before the kill"))
            .get(60, TimeUnit.SECONDS);
        producer.flush();
      }
      long firstPid = broker.pid();

      // SIGKILL: no controlled shutdown and no fsync. The record survives anyway because Kafka
      // acknowledged it after writing it to the log segment in the page cache, and killing a
      // process leaves the page cache intact (only a machine crash would lose it); on restart
      // the broker runs log recovery over the unflushed segment and keeps the complete record.
      broker.kill();
      assertThat(broker.isAlive()).isFalse();
      assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

      broker.restart();
      assertThat(broker.pid()).isNotEqualTo(firstPid);
      assertThat(jvmArguments(broker)).contains("-Xmx384m");

      List<ConsumerRecord<String, String>> records = readAll(broker, topic);
      assertThat(records).hasSize(1);
      assertThat(records.get(0).key()).isEqualTo("saga-42");
      assertThat(records.get(0).value()).isEqualTo("before the kill");
      System.out.println(
          "[sec-testkit] broker process "
              + firstPid
              + " SIGKILLed, restarted as "
              + broker.pid()
              + " on "
              + broker.bootstrapServers()
              + "; consumed \""
              + records.get(0).value()
              + "\" written before the kill");
    }
  }

  private static List<String> jvmArguments(KafkaBrokerProcess broker) {
    return ProcessHandle.of(broker.pid())
        .flatMap(p -> p.info().arguments())
        .map(List::of)
        .orElseThrow();
  }

  private static Map<String, Object> producerConfig(KafkaBrokerProcess broker) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return config;
  }

  private static List<ConsumerRecord<String, String>> readAll(
      KafkaBrokerProcess broker, String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    // assign, not subscribe: no consumer group to coordinate right after the restart
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      while (records.isEmpty() && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    return records;
  }
}
