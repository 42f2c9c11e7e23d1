package io.sagacoord.participant;

import io.opentelemetry.api.OpenTelemetry;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.Topics;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** A participant's settings as {@link Participant.Builder#build()} settles them: all present. */
record ParticipantSettings(
    String name,
    Map<String, Object> kafka,
    Map<String, Object> consumerOverrides,
    Map<String, Object> producerOverrides,
    DataSource dataSource,
    TransactionRunner transactions,
    Map<String, HandlerRegistration<?>> registrations,
    String commandTopic,
    String deadLetterTopic,
    String registryTopic,
    String groupId,
    int consumerThreads,
    int concurrency,
    Duration drainTimeout,
    int maxPollRecords,
    Duration batchBudget,
    Duration pollTimeout,
    Duration failureBackoff,
    LocalRetryPolicy retry,
    Duration announceInterval,
    Duration heartbeatInterval,
    BooleanSupplier alive,
    Duration inboxRetention,
    Duration fenceRetention,
    Duration purgeInterval,
    String instanceId,
    String version,
    ObjectMapper json,
    Clock clock,
    boolean migrateInbox,
    boolean createTopics,
    int topicPartitions,
    OpenTelemetry openTelemetry) {

  /** The command types registered for {@code phase}, sorted. */
  List<String> commandTypes(Phase phase) {
    return registrations.values().stream()
        .filter(r -> r.phase() == phase)
        .map(HandlerRegistration::commandType)
        .sorted()
        .toList();
  }

  /**
   * What a {@link Participant.Builder} has collected so far: each value already checked by its
   * setter, {@code null} where a default is derived from other settings at {@link #settle()}.
   */
  static final class Draft {
    private static final Duration DEFAULT_FENCE_RETENTION = Duration.ofDays(30);

    final String name;
    final Map<String, Object> kafka = new HashMap<>();
    final Map<String, Object> consumerOverrides = new HashMap<>();
    final Map<String, Object> producerOverrides = new HashMap<>();
    final Map<String, HandlerRegistration<?>> registrations = new LinkedHashMap<>();
    DataSource dataSource;
    TransactionRunner transactions;
    String commandTopic;
    String deadLetterTopic;
    String registryTopic = Topics.DEFAULT_REGISTRY_TOPIC;
    String groupId;
    int consumerThreads = 1;
    int concurrency = Participant.Builder.DEFAULT_CONCURRENCY;
    Duration drainTimeout = Duration.ofSeconds(10);
    int maxPollRecords = 500;
    Duration batchBudget = Participant.Builder.DEFAULT_BATCH_BUDGET;
    Duration pollTimeout = Duration.ofMillis(500);
    Duration failureBackoff = Duration.ofSeconds(1);
    LocalRetryPolicy retry = LocalRetryPolicy.DEFAULT;
    Duration announceInterval = Duration.ofSeconds(30);
    Duration heartbeatInterval = Participant.Builder.DEFAULT_HEARTBEAT_INTERVAL;
    BooleanSupplier alive = () -> true;
    Duration inboxRetention = Duration.ofDays(7);
    Duration fenceRetention;
    Duration purgeInterval = Duration.ofHours(1);
    String instanceId;
    String version = "unspecified";
    ObjectMapper json;
    Clock clock = Clock.systemUTC();
    boolean migrateInbox = true;
    boolean createTopics = true;
    int topicPartitions = 3;
    OpenTelemetry openTelemetry = OpenTelemetry.noop();

    Draft(String name) {
      this.name = Topics.requireParticipantName(name);
    }

    /**
     * Checks the required parts and the rules across settings, and fills in the derived defaults.
     *
     * @throws IllegalStateException naming what is missing or in conflict
     */
    ParticipantSettings settle() {
      if (kafka.isEmpty()) {
        throw new IllegalStateException("kafka settings are required (participant " + name + ")");
      }
      if (dataSource == null) {
        throw new IllegalStateException("dataSource is required (participant " + name + ")");
      }
      Duration fences =
          fenceRetention != null
              ? fenceRetention
              : (inboxRetention.compareTo(DEFAULT_FENCE_RETENTION) > 0
                  ? inboxRetention
                  : DEFAULT_FENCE_RETENTION);
      if (fences.compareTo(inboxRetention) < 0) {
        throw new IllegalStateException(
            "fenceRetention ("
                + fenceRetention
                + ") must be at least inboxRetention ("
                + inboxRetention
                + ") (participant "
                + name
                + ")");
      }
      if (registrations.isEmpty()) {
        throw new IllegalStateException(
            "at least one handler is required (participant " + name + ")");
      }
      return new ParticipantSettings(
          name,
          Map.copyOf(kafka),
          Map.copyOf(consumerOverrides),
          Map.copyOf(producerOverrides),
          dataSource,
          transactions != null ? transactions : TransactionRunner.jdbc(dataSource),
          Map.copyOf(registrations),
          commandTopic != null ? commandTopic : Topics.commandTopic(name),
          deadLetterTopic != null ? deadLetterTopic : Topics.deadLetterTopic(name),
          registryTopic,
          groupId != null ? groupId : name,
          consumerThreads,
          concurrency,
          drainTimeout,
          maxPollRecords,
          batchBudget,
          pollTimeout,
          failureBackoff,
          retry,
          announceInterval,
          heartbeatInterval,
          alive,
          inboxRetention,
          fences,
          purgeInterval,
          instanceId != null ? instanceId : defaultInstanceId(),
          version,
          json != null ? json : defaultMapper(),
          clock,
          migrateInbox,
          createTopics,
          topicPartitions,
          openTelemetry);
    }

    private static ObjectMapper defaultMapper() {
      return JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();
    }

    private static String defaultInstanceId() {
      // RuntimeMXBean name is "pid@host"
      String runtime = ManagementFactory.getRuntimeMXBean().getName();
      return runtime + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
  }
}
