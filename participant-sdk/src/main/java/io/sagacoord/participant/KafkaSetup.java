package io.sagacoord.participant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The participant's Kafka client settings and topics: the SDK's own settings (serializers, manual
 * offset commits, idempotent producer) go over the service's, and the command, dead-letter and
 * registry topics are created when missing.
 */
final class KafkaSetup {
  private KafkaSetup() {}

  static Map<String, Object> producerConfig(ParticipantSettings settings) {
    Map<String, Object> config = new HashMap<>(settings.kafka());
    config.putAll(settings.producerOverrides());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // never lose or duplicate a reply on a producer retry
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "saga-" + settings.name() + "-producer");
    // a reply goes out at once (the Kafka 4 client's default waits 5 ms for more); under load
    // replies still share requests, since they gather while earlier requests are in flight
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
    return config;
  }

  /** The settings of consumer thread {@code index}: its own client id and static member id. */
  static Map<String, Object> consumerConfig(ParticipantSettings settings, int index) {
    Map<String, Object> config = new HashMap<>(settings.kafka());
    config.putAll(settings.consumerOverrides());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    // offsets are committed only after the replies are out
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
    config.put(
        ConsumerConfig.CLIENT_ID_CONFIG,
        "saga-" + settings.name() + "-" + settings.instanceId() + "-consumer-" + index);
    Object staticId = config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    if (staticId != null) {
      // static membership needs one id per consumer
      config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, staticId + "-" + index);
    }
    return config;
  }

  /** Creates the command, dead-letter and registry topics that do not exist yet. */
  static void createMissingTopics(ParticipantSettings settings) {
    Map<String, Object> config = new HashMap<>(settings.kafka());
    try (Admin admin = Admin.create(config)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic :
          List.of(settings.commandTopic(), settings.deadLetterTopic(), settings.registryTopic())) {
        if (!existing.contains(topic)) {
          missing.add(
              new NewTopic(topic, Optional.of(settings.topicPartitions()), Optional.empty()));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParticipantException("creating topics of " + settings.name() + " interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new ParticipantException("creating topics of " + settings.name() + " failed", e);
    }
  }
}
