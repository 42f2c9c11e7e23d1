package io.sagacoord.testkit;

import java.util.Map;

/**
 * A running Kafka broker shared by all tests of one JVM. Tests isolate themselves by topic name
 * ({@link #uniqueTopic}) and consumer group.
 */
public interface KafkaInfra {

  /** The bootstrap address, e.g. {@code 127.0.0.1:40123}. */
  String bootstrapServers();

  /** {@code prefix + "-" + random suffix}; the topic is not created. */
  String uniqueTopic(String prefix);

  /**
   * Creates the topic with replication factor 1 if it does not exist yet, and waits until every
   * partition has a leader.
   */
  void createTopic(String name, int partitions);

  /**
   * A fresh mutable map: bootstrap servers, String keys, byte[] values, {@code acks=all}, {@code
   * enable.idempotence=true}.
   */
  Map<String, Object> producerConfig();

  /**
   * A fresh mutable map: bootstrap servers, the group id, String keys, byte[] values, {@code
   * auto.offset.reset=earliest}, {@code enable.auto.commit=false}.
   */
  Map<String, Object> consumerConfig(String groupId);
}
