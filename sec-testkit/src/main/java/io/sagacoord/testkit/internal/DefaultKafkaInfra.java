package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.InfraUnavailableException;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestkitException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A Kafka broker reached through its bootstrap address. */
public final class DefaultKafkaInfra implements KafkaInfra, AutoCloseable {
  private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final Admin admin;

  /**
   * Checks that a broker answers within {@code readyTimeout}; throws {@link
   * InfraUnavailableException} naming the bootstrap address otherwise.
   */
  public DefaultKafkaInfra(String bootstrapServers, String description, Duration readyTimeout) {
    this.bootstrapServers = bootstrapServers;
    this.admin = Admin.create(adminConfig(bootstrapServers, 5_000));
    try {
      awaitClusterId(admin, bootstrapServers, readyTimeout);
    } catch (RuntimeException e) {
      admin.close(Duration.ZERO);
      throw new InfraUnavailableException(
          bootstrapServers,
          "Kafka (" + description + ") does not answer within " + readyTimeout.toSeconds() + " s",
          e);
    }
  }

  /** Admin client settings with short timeouts, so a dead address fails in seconds. */
  public static Map<String, Object> adminConfig(String bootstrapServers, int requestTimeoutMs) {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(requestTimeoutMs, 15_000));
    config.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 2_000L);
    config.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 5_000L);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000L);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "sec-testkit-admin");
    return config;
  }

  /**
   * Polls describeCluster until it answers or the timeout passes; returns the cluster id. Each
   * attempt is bounded, so a closed port or a dead host ends in about {@code timeout}.
   */
  public static String awaitClusterId(Admin admin, String bootstrapServers, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    Exception last = null;
    while (true) {
      long remainingMs = Duration.between(Instant.now(), deadline).toMillis();
      if (remainingMs <= 0) {
        throw new TestkitException(
            "no Kafka broker answered at " + bootstrapServers + " within " + timeout, last);
      }
      int attemptMs = (int) Math.min(remainingMs, 5_000);
      try {
        return admin
            .describeCluster(new DescribeClusterOptions().timeoutMs(attemptMs))
            .clusterId()
            .get(attemptMs + 1_000L, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TestkitException("interrupted while waiting for Kafka at " + bootstrapServers, e);
      }
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public String uniqueTopic(String prefix) {
    return RandomNames.topicName(prefix);
  }

  @Override
  public void createTopic(String name, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1 but was " + partitions);
    }
    try {
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all()
          .get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new TestkitException("could not create topic " + name + " on " + bootstrapServers, e);
      }
    } catch (TimeoutException e) {
      throw new TestkitException(
          "creating topic " + name + " on " + bootstrapServers + " timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted while creating topic " + name, e);
    }
    awaitLeaders(name);
  }

  private void awaitLeaders(String name) {
    Instant deadline = Instant.now().plus(TOPIC_READY_TIMEOUT);
    Exception last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        TopicDescription description =
            admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS).get(name);
        if (description.partitions().stream()
            .map(TopicPartitionInfo::leader)
            .allMatch(l -> l != null)) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          last = e;
        }
      } catch (TimeoutException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TestkitException("interrupted while waiting for topic " + name, e);
      }
      sleep(100);
    }
    throw new TestkitException(
        "topic " + name + " has no leader for every partition after " + TOPIC_READY_TIMEOUT, last);
  }

  @Override
  public Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return config;
  }

  @Override
  public Map<String, Object> consumerConfig(String groupId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return config;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }

  @Override
  public String toString() {
    return "Kafka at " + bootstrapServers;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted", e);
    }
  }
}
