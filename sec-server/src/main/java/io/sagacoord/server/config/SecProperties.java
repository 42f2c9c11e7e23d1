package io.sagacoord.server.config;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the coordinator, under the prefix {@code sec}. Every value has a default suitable for
 * a single-node development setup; see {@code docs/coordinator.md}.
 *
 * @param embedded start embedded Postgres and Kafka (from sec-testkit) when true; default: only
 *     when no {@code spring.datasource.url} is set
 * @param instanceId this coordinator's id, the prefix of its reply consumers' Kafka {@code
 *     group.instance.id} (static membership) and recorded on the log rows it writes; must differ
 *     per running instance; default the host name plus a random suffix (unique, but new on every
 *     start: a stable id per replica, such as a StatefulSet pod name, lets a restarted replica take
 *     its partitions back at once)
 * @param kafka Kafka settings
 * @param starts how starts are written (group commit) and admitted
 * @param outbox outbox relay settings
 * @param timers timer poller settings
 * @param retention purge of finished sagas
 * @param test test hooks (crash points); off by default
 */
@ConfigurationProperties("sec")
public record SecProperties(
    @DefaultValue("false") boolean embedded,
    String instanceId,
    @DefaultValue Kafka kafka,
    @DefaultValue Starts starts,
    @DefaultValue Outbox outbox,
    @DefaultValue Timers timers,
    @DefaultValue Retention retention,
    @DefaultValue Test test) {

  public SecProperties {
    if (instanceId == null || instanceId.isBlank()) {
      instanceId = generatedInstanceId();
    }
  }

  /** Host name plus a random suffix: two replicas on the default never fence each other. */
  static String generatedInstanceId() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | RuntimeException e) {
        host = "sec";
      }
    }
    String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
    // group.instance.id allows letters, digits, '.', '_' and '-' (at most 249 characters)
    String clean = host.replaceAll("[^A-Za-z0-9._-]", "-");
    if (clean.length() > 200) {
      clean = clean.substring(0, 200);
    }
    return clean + "-" + suffix;
  }

  /**
   * @param bootstrapServers Kafka bootstrap servers; default {@code localhost:9092}
   * @param replyTopic topic the coordinator reads replies from; default {@code
   *     saga.coordinator.replies}
   * @param partitions partition count for topics the coordinator creates; default 6
   * @param replicationFactor replication factor for topics it creates; default 1
   * @param consumerGroup consumer group of the reply consumer; default {@code saga-coordinator}
   * @param batchSize max records per poll of the reply consumer; default 200
   * @param maxReplyBytes larger replies are quarantined; default 1 MiB
   * @param createTopics create missing topics at start-up; default true
   * @param batchWrites write the transitions of a reply batch with one statement; false applies
   *     each reply under its own savepoint with its own statements (slower; an escape hatch and a
   *     baseline for measurements); default true
   * @param startTopic topic of start messages (saga type and idempotency key in headers, the data
   *     as the value); default {@code saga.coordinator.starts}
   * @param startConsumer read the start topic; default true
   * @param consumers reply consumer threads of this coordinator, each a member of the consumer
   *     group with its own partitions and its own database connection while it applies a batch;
   *     more than {@code partitions} leaves some idle; default 2
   * @param linger {@code linger.ms} of the producer that sends commands: how long a send waits for
   *     more records to batch with; default 0: a command leaves at once, and under load the
   *     commands handed over while the producer's one request is in flight leave together in the
   *     next (see docs/performance.md)
   * @param earlyStart start the outbox relay and the reply consumers as soon as their beans exist,
   *     before the web, security, OpenAPI and actuator beans; false leaves them to the lifecycle;
   *     default true
   * @param properties Kafka client properties applied to every client of the coordinator (its
   *     producer, consumers and admin client), after the coordinator's own settings, for example
   *     {@code security.protocol} and SASL or TLS settings; {@code
   *     sec.kafka.properties[key]=value}; default none
   * @param consumerProperties Kafka client properties applied to its consumers only (after {@code
   *     properties}), for example {@code fetch.max.wait.ms}; default none
   * @param producerProperties Kafka client properties applied to its producer only (after {@code
   *     properties}); default none
   */
  public record Kafka(
      @DefaultValue("localhost:9092") String bootstrapServers,
      @DefaultValue("saga.coordinator.replies") String replyTopic,
      @DefaultValue("6") int partitions,
      @DefaultValue("1") short replicationFactor,
      @DefaultValue("saga-coordinator") String consumerGroup,
      @DefaultValue("200") int batchSize,
      @DefaultValue("1048576") int maxReplyBytes,
      @DefaultValue("true") boolean createTopics,
      @DefaultValue("true") boolean batchWrites,
      @DefaultValue("saga.coordinator.starts") String startTopic,
      @DefaultValue("true") boolean startConsumer,
      @DefaultValue("2") int consumers,
      @DefaultValue("0ms") Duration linger,
      @DefaultValue("true") boolean earlyStart,
      @DefaultValue Map<String, String> properties,
      @DefaultValue Map<String, String> consumerProperties,
      @DefaultValue Map<String, String> producerProperties) {
    public Kafka {
      properties = properties == null ? Map.of() : Map.copyOf(properties);
      consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
      producerProperties = producerProperties == null ? Map.of() : Map.copyOf(producerProperties);
      requireNotReserved("sec.kafka.properties", properties);
      requireNotReserved("sec.kafka.consumer-properties", consumerProperties);
      requireNotReserved("sec.kafka.producer-properties", producerProperties);
      requirePositive("sec.kafka.consumers", consumers);
      if (linger.isNegative()) {
        throw new IllegalArgumentException("sec.kafka.linger must not be negative: " + linger);
      }
      requirePositive("sec.kafka.partitions", partitions);
      requirePositive("sec.kafka.batch-size", batchSize);
      requirePositive("sec.kafka.max-reply-bytes", maxReplyBytes);
      requirePositive("sec.kafka.replication-factor", replicationFactor);
    }
  }

  /**
   * Kafka client properties the coordinator's guarantees rest on: the serialization of its records,
   * its consumer groups, offset commits (after the database commit, never automatic) and reading
   * from the start of a new group, the idempotent, fully acknowledged and not transactional sends
   * of its outbox, a saga's records in one partition (by key), and a client id per client.
   */
  static final java.util.Set<String> RESERVED_KAFKA_PROPERTIES =
      java.util.Set.of(
          "key.serializer",
          "value.serializer",
          "key.deserializer",
          "value.deserializer",
          "group.id",
          "group.instance.id",
          "enable.auto.commit",
          "isolation.level",
          "max.poll.records",
          "acks",
          "enable.idempotence",
          "transactional.id",
          "auto.offset.reset",
          "client.id",
          "partitioner.class");

  private static void requireNotReserved(String name, Map<String, String> properties) {
    for (String key : properties.keySet()) {
      if (RESERVED_KAFKA_PROPERTIES.contains(key)) {
        throw new IllegalArgumentException(
            name
                + " must not set "
                + key
                + ": the coordinator sets it itself (reserved: "
                + new java.util.TreeSet<>(RESERVED_KAFKA_PROPERTIES)
                + ")");
      }
    }
  }

  /**
   * Starts are queued and written by a few writer threads, many in one transaction (group commit).
   *
   * @param maxPending starts waiting to be written at most; beyond, a start is refused at once with
   *     {@link io.sagacoord.server.CoordinatorBusyException} (REST: 503 with Retry-After), so an
   *     overload cannot take the capacity the replies of running sagas need; default 2000
   * @param batchSize starts written in one transaction at most; default 500
   * @param writers writer threads (each uses one database connection while it writes); default 2
   * @param timeout how long a caller waits for its start to be committed before it gets {@code
   *     CoordinatorBusyException} (the start may still commit: retry with the same idempotency
   *     key); default 30s
   * @param maxReplyLag replies waiting on this coordinator's reply partitions beyond which new
   *     starts give way to them: refused at once over the API (503 with Retry-After), left on the
   *     start topic by the start consumer; 0 turns this off; default 2000
   */
  public record Starts(
      @DefaultValue("2000") int maxPending,
      @DefaultValue("500") int batchSize,
      @DefaultValue("2") int writers,
      @DefaultValue("30s") Duration timeout,
      @DefaultValue("2000") long maxReplyLag) {
    public Starts {
      requirePositive("sec.starts.max-pending", maxPending);
      requirePositive("sec.starts.batch-size", batchSize);
      requirePositive("sec.starts.writers", writers);
      requirePositive("sec.starts.timeout", timeout);
      if (maxReplyLag < 0) {
        throw new IllegalArgumentException(
            "sec.starts.max-reply-lag must not be negative: " + maxReplyLag);
      }
    }
  }

  /**
   * @param pollInterval how often the relay looks for rows a crash or a failed send left; default
   *     1s
   * @param batchSize rows per poll; default 500
   * @param inFlightGrace rows that the writing coordinator handed to its relay in memory are sent
   *     from there; the poll leaves a row alone for this long after it was written (unless it was
   *     written before this coordinator started), so it does not send it a second time; default 10s
   */
  public record Outbox(
      @DefaultValue("1s") Duration pollInterval,
      @DefaultValue("500") int batchSize,
      @DefaultValue("10s") Duration inFlightGrace) {
    public Outbox {
      requirePositive("sec.outbox.poll-interval", pollInterval);
      requirePositive("sec.outbox.batch-size", batchSize);
      requirePositive("sec.outbox.in-flight-grace", inFlightGrace);
    }
  }

  /**
   * @param pollInterval longest time between two looks for due timers (timers this coordinator
   *     writes wake it at their due time); default 200ms
   * @param batchSize sagas whose due timers one pass fires; default 48, also the most (each saga is
   *     handled under a savepoint of the pass's transaction, see EventPipeline)
   * @param replyWait a due timer waits until reply intake has applied every reply appended before
   *     its due time (so an answer given in time counts, however late the coordinator reads it), at
   *     most this long; then it fires anyway and a warning says so; default 30s
   */
  public record Timers(
      @DefaultValue("200ms") Duration pollInterval,
      @DefaultValue("48") int batchSize,
      @DefaultValue("30s") Duration replyWait) {
    public Timers {
      requirePositive("sec.timers.poll-interval", pollInterval);
      requirePositive("sec.timers.batch-size", batchSize);
      requirePositive("sec.timers.reply-wait", replyWait);
    }
  }

  /**
   * @param finishedSagas how long finished sagas (and their log) are kept; default 31 days: a day
   *     longer than the participant SDK's default fence retention (30 days), so that a start key
   *     used again after its saga was purged (the same saga id, {@code SagaIds.ofStart}) meets no
   *     inbox or fence row of the purged saga
   * @param purgeInterval how often the purge runs; default 1h
   * @param queueVacuumInterval how often the coordinator vacuums the queue tables {@code
   *     saga_outbox} and {@code saga_timer}, whose rows are all deleted again, so the space of the
   *     deleted rows is reused before the tables grow (autovacuum visits a database at most once a
   *     minute); 0 leaves them to autovacuum; default 10s
   */
  public record Retention(
      @DefaultValue("31d") Duration finishedSagas,
      @DefaultValue("1h") Duration purgeInterval,
      @DefaultValue("10s") Duration queueVacuumInterval) {
    public Retention {
      requirePositive("sec.retention.finished-sagas", finishedSagas);
      requirePositive("sec.retention.purge-interval", purgeInterval);
      if (queueVacuumInterval == null || queueVacuumInterval.isNegative()) {
        throw new IllegalArgumentException(
            "sec.retention.queue-vacuum-interval must be 0 or positive");
      }
    }
  }

  /**
   * Test hooks. {@code crashPoint} names a crash point; on the {@code crashAfter}-th pass through
   * it the process halts with exit code 137, like a SIGKILL.
   *
   * @param crashPoint one of {@code after-db-commit-before-publish}, {@code
   *     after-publish-before-offset-commit}, {@code mid-compensation}; default none
   * @param crashAfter which pass halts; default 1
   */
  public record Test(String crashPoint, @DefaultValue("1") int crashAfter) {
    public Test {
      requirePositive("sec.test.crash-after", crashAfter);
    }
  }

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
    }
  }
}
