package io.sagacoord.participant.spring;

import io.sagacoord.participant.Participant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code saga.participant.*}. Only {@code name} is required; the defaults are those
 * of {@link io.sagacoord.participant.Participant.Builder}.
 */
@ConfigurationProperties("saga.participant")
public class SagaParticipantProperties {
  /** Whether to start a participant at all. */
  private boolean enabled = true;

  /** The participant (service) name, for example {@code flight-service}. */
  private String name;

  /** Kafka bootstrap servers; when not set, {@code spring.kafka.bootstrap-servers} is used. */
  private String bootstrapServers;

  /** Extra Kafka client settings for the consumer, producer and admin client. */
  private Map<String, String> kafka = new LinkedHashMap<>();

  /** Command topic; default {@code saga.<name>.commands}. */
  private String commandTopic;

  /** Dead-letter topic; default {@code saga.<name>.dlq}. */
  private String deadLetterTopic;

  /** Registry topic for announcements; default {@code saga.registry}. */
  private String registryTopic;

  /** Consumer group; default the name. */
  private String groupId;

  /** Consumer threads. */
  private int consumerThreads = 1;

  /**
   * Handler threads per consumer thread: commands of different sagas run side by side, those of one
   * saga in order. Each needs a database connection while it handles a batch.
   */
  private int concurrency = Participant.Builder.DEFAULT_CONCURRENCY;

  /**
   * How long stopping and a partition revocation wait for commands in hand before giving them up
   * (they are read again and answered once).
   */
  private Duration drainTimeout = Duration.ofSeconds(10);

  /**
   * How long a batch runs before it takes no further record, commits what it handled and gives the
   * rest back for an idle handler thread.
   */
  private Duration batchBudget = Participant.Builder.DEFAULT_BATCH_BUDGET;

  /** Most records per batch (one database transaction). */
  private int maxPollRecords = 500;

  /** Kafka poll timeout. */
  private Duration pollTimeout = Duration.ofMillis(500);

  /** How often to announce on the registry topic. */
  private Duration announceInterval = Duration.ofSeconds(30);

  /** How often to send a heartbeat on the registry topic; three missed mark the instance dead. */
  private Duration heartbeatInterval = Duration.ofSeconds(5);

  /** How long inbox rows are kept: at least the longest saga deadline. */
  private Duration inboxRetention = Duration.ofDays(7);

  /**
   * How long fence rows (a compensation's mark for a step never seen) are kept: at least the inbox
   * retention; default 30 days, or the inbox retention if longer.
   */
  private Duration fenceRetention;

  /** How often old inbox rows are purged. */
  private Duration purgeInterval = Duration.ofHours(1);

  /** Instance id in announcements; default pid@host plus a random suffix. */
  private String instanceId;

  /** Service version in announcements. */
  private String version = "unspecified";

  /**
   * Whether the inbox table is migrated at start (Flyway, history table
   * participant_schema_history).
   */
  private boolean migrateInbox = true;

  /** Whether missing command, dead-letter and registry topics are created at start. */
  private boolean createTopics = true;

  /** Partitions of topics created at start. */
  private int topicPartitions = 3;

  /** Local retries of a handler that throws. */
  private final LocalRetries localRetries = new LocalRetries();

  public static class LocalRetries {
    /** How many times a handler runs at most before TECHNICAL_FAILURE. */
    private int maxRuns = 3;

    /** Pause before the second run; doubles after each. */
    private Duration initialBackoff = Duration.ofMillis(50);

    /** Longest pause. */
    private Duration maxBackoff = Duration.ofSeconds(1);

    public int getMaxRuns() {
      return maxRuns;
    }

    public void setMaxRuns(int maxRuns) {
      this.maxRuns = maxRuns;
    }

    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getBootstrapServers() {
    return bootstrapServers;
  }

  public void setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public Map<String, String> getKafka() {
    return kafka;
  }

  public void setKafka(Map<String, String> kafka) {
    this.kafka = kafka;
  }

  public String getCommandTopic() {
    return commandTopic;
  }

  public void setCommandTopic(String commandTopic) {
    this.commandTopic = commandTopic;
  }

  public String getDeadLetterTopic() {
    return deadLetterTopic;
  }

  public void setDeadLetterTopic(String deadLetterTopic) {
    this.deadLetterTopic = deadLetterTopic;
  }

  public String getRegistryTopic() {
    return registryTopic;
  }

  public void setRegistryTopic(String registryTopic) {
    this.registryTopic = registryTopic;
  }

  public String getGroupId() {
    return groupId;
  }

  public void setGroupId(String groupId) {
    this.groupId = groupId;
  }

  public int getConsumerThreads() {
    return consumerThreads;
  }

  public void setConsumerThreads(int consumerThreads) {
    this.consumerThreads = consumerThreads;
  }

  public int getConcurrency() {
    return concurrency;
  }

  public void setConcurrency(int concurrency) {
    this.concurrency = concurrency;
  }

  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  public void setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  public Duration getBatchBudget() {
    return batchBudget;
  }

  public void setBatchBudget(Duration batchBudget) {
    this.batchBudget = batchBudget;
  }

  public int getMaxPollRecords() {
    return maxPollRecords;
  }

  public void setMaxPollRecords(int maxPollRecords) {
    this.maxPollRecords = maxPollRecords;
  }

  public Duration getPollTimeout() {
    return pollTimeout;
  }

  public void setPollTimeout(Duration pollTimeout) {
    this.pollTimeout = pollTimeout;
  }

  public Duration getAnnounceInterval() {
    return announceInterval;
  }

  public void setAnnounceInterval(Duration announceInterval) {
    this.announceInterval = announceInterval;
  }

  public Duration getHeartbeatInterval() {
    return heartbeatInterval;
  }

  public void setHeartbeatInterval(Duration heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  public Duration getInboxRetention() {
    return inboxRetention;
  }

  public void setInboxRetention(Duration inboxRetention) {
    this.inboxRetention = inboxRetention;
  }

  public Duration getFenceRetention() {
    return fenceRetention;
  }

  public void setFenceRetention(Duration fenceRetention) {
    this.fenceRetention = fenceRetention;
  }

  public Duration getPurgeInterval() {
    return purgeInterval;
  }

  public void setPurgeInterval(Duration purgeInterval) {
    this.purgeInterval = purgeInterval;
  }

  public String getInstanceId() {
    return instanceId;
  }

  public void setInstanceId(String instanceId) {
    this.instanceId = instanceId;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public boolean isMigrateInbox() {
    return migrateInbox;
  }

  public void setMigrateInbox(boolean migrateInbox) {
    this.migrateInbox = migrateInbox;
  }

  public boolean isCreateTopics() {
    return createTopics;
  }

  public void setCreateTopics(boolean createTopics) {
    this.createTopics = createTopics;
  }

  public int getTopicPartitions() {
    return topicPartitions;
  }

  public void setTopicPartitions(int topicPartitions) {
    this.topicPartitions = topicPartitions;
  }

  public LocalRetries getLocalRetries() {
    return localRetries;
  }
}
