package io.sagacoord.server.internal.kafka;

import io.sagacoord.server.config.SecProperties;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka client settings of the coordinator, in one place. */
final class KafkaClients {
  private KafkaClients() {}

  static Map<String, Object> producer(SecProperties properties) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, properties.instanceId() + "-relay");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, (int) properties.kafka().linger().toMillis());
    // one produce request in flight: a command goes out at once when none is, and the commands
    // handed over while one is travelling leave together in the next, so batches form under load
    // without lingering when idle
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    // a send that cannot complete fails within this time; the outbox row stays and is retried
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    return overridden(config, properties, properties.kafka().producerProperties());
  }

  /** The reply consumer number {@code index} of this coordinator (static member id per index). */
  static Map<String, Object> consumer(SecProperties properties, int index) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.kafka().consumerGroup());
    // static membership: a restarted coordinator with the same id gets its partitions back at
    // once instead of after a rebalance
    config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, properties.instanceId() + "-" + index);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, properties.instanceId() + "-replies-" + index);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.kafka().batchSize());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
    return overridden(config, properties, properties.kafka().consumerProperties());
  }

  /** The start topic's consumer: its own group, so start and reply partitions never mix. */
  static Map<String, Object> startConsumer(SecProperties properties) {
    Map<String, Object> config = consumer(properties, 0);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.kafka().consumerGroup() + "-starts");
    config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, properties.instanceId() + "-starts");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, properties.instanceId() + "-starts");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.starts().batchSize());
    return config;
  }

  /** The participant registry's consumer: a group of its own per instance, auto commit. */
  static Map<String, Object> registryConsumer(SecProperties properties) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
    config.put(
        ConsumerConfig.GROUP_ID_CONFIG,
        properties.kafka().consumerGroup() + "-registry-" + properties.instanceId());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, properties.instanceId() + "-registry");
    // the topic is created by the coordinator (TopicAdmin) or by the participants with their
    // settings, never by the broker's defaults because this consumer asked for it first
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
    return overridden(config, properties, properties.kafka().consumerProperties());
  }

  static Map<String, Object> admin(SecProperties properties) {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
    config.put(CommonClientConfigs.CLIENT_ID_CONFIG, properties.instanceId() + "-admin");
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    return overridden(config, properties, Map.of());
  }

  /**
   * The user's client properties over the coordinator's: {@code sec.kafka.properties}, then the
   * ones of this kind of client.
   */
  private static Map<String, Object> overridden(
      Map<String, Object> config, SecProperties properties, Map<String, String> ofThisKind) {
    config.putAll(properties.kafka().properties());
    config.putAll(ofThisKind);
    return config;
  }
}
