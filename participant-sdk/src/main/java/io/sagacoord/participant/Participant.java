package io.sagacoord.participant;

import io.opentelemetry.api.OpenTelemetry;
import io.sagacoord.participant.internal.Announcement;
import io.sagacoord.participant.internal.CommandProcessor;
import io.sagacoord.participant.internal.CommandRecordParser;
import io.sagacoord.participant.internal.CommandTracing;
import io.sagacoord.participant.internal.ConsumerWorker;
import io.sagacoord.participant.internal.Counters;
import io.sagacoord.participant.internal.Heartbeat;
import io.sagacoord.participant.internal.InboxMigrator;
import io.sagacoord.participant.internal.InboxRepository;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.protocol.Topics;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A service's part in sagas: consumes its command topic, runs the registered handlers exactly once
 * in effect in the service's own database transaction, and answers on the reply topic each command
 * names.
 *
 * <pre>{@code
 * Participant flights = Participant.builder("flight-service")
 *     .kafka(Map.of("bootstrap.servers", "localhost:9092"))
 *     .dataSource(dataSource)
 *     .onCommand("flight.reserve", ReserveFlight.class,
 *         (ctx, cmd) -> Outcome.success(new FlightReserved(reserve(ctx.connection(), cmd))))
 *     .onCompensation("flight.cancel", CancelFlight.class,
 *         (ctx, cmd) -> { cancel(ctx.connection(), cmd); return Outcome.done(); })
 *     .build();
 * flights.start();
 * }</pre>
 *
 * <p>{@link #start()} migrates the inbox table (unless turned off), creates missing topics (unless
 * turned off), starts the consumer threads, the announcements, the heartbeats and the inbox purge.
 * {@link #close()} stops them.
 */
public final class Participant implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Participant.class.getName());
  // Kafka's default for max.poll.interval.ms
  private static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;

  private final Settings settings;
  private final Counters counters = new Counters();
  private final InboxRepository inbox = new InboxRepository();
  private final List<ConsumerWorker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private Producer<String, byte[]> producer;
  private ScheduledExecutorService scheduler;
  private boolean started;
  private boolean closed;
  private volatile boolean heartbeatFailing;

  private Participant(Settings settings) {
    this.settings = settings;
  }

  /** Starts building a participant named after its service (lower-case, digits, dashes). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return settings.name;
  }

  /** The topic this participant consumes. */
  public String commandTopic() {
    return settings.commandTopic;
  }

  /** The topic poison records go to. */
  public String deadLetterTopic() {
    return settings.deadLetterTopic;
  }

  /** Handler threads per consumer thread (commands of different sagas handled at once). */
  public int concurrency() {
    return settings.concurrency;
  }

  /** The instance id used in announcements. */
  public String instanceId() {
    return settings.instanceId;
  }

  /** The counters since start. */
  public ParticipantMetrics metrics() {
    return counters.snapshot();
  }

  /** True while every consumer thread is running. */
  public synchronized boolean isRunning() {
    return started && !closed && threads.stream().allMatch(Thread::isAlive);
  }

  /**
   * Migrates the inbox, creates missing topics, starts consuming, announcing and purging.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException("participant " + settings.name + " was already started");
    }
    started = true;
    if (settings.migrateInbox) {
      InboxMigrator.migrate(settings.name, settings.dataSource);
    }
    if (settings.createTopics) {
      createTopics();
    }
    producer = new KafkaProducer<>(producerConfig());
    CommandRecordParser parser = new CommandRecordParser(settings.registrations, settings.json);
    CommandProcessor processor =
        new CommandProcessor(
            settings.name,
            inbox,
            settings.json,
            settings.clock,
            settings.retry,
            counters,
            CommandTracing.of(settings.openTelemetry, settings.name));
    for (int i = 0; i < settings.consumerThreads; i++) {
      Map<String, Object> config = consumerConfig(i);
      String threadName = "saga-" + settings.name + "-consumer-" + i;
      ConsumerWorker worker =
          new ConsumerWorker(
              settings.name,
              threadName,
              () -> new KafkaConsumer<>(config),
              producer,
              settings.transactions,
              parser,
              processor,
              settings.commandTopic,
              settings.deadLetterTopic,
              settings.pollTimeout,
              settings.failureBackoff,
              batchBudget(config),
              settings.concurrency,
              settings.maxPollRecords,
              settings.drainTimeout,
              counters);
      Thread thread = new Thread(worker, threadName);
      workers.add(worker);
      threads.add(thread);
      thread.start();
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "saga-" + settings.name + "-housekeeping");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleAtFixedRate(
        this::announceQuietly, 0, settings.announceInterval.toMillis(), TimeUnit.MILLISECONDS);
    // the announcement counts as the first heartbeat
    scheduler.scheduleAtFixedRate(
        this::heartbeatQuietly,
        settings.heartbeatInterval.toMillis(),
        settings.heartbeatInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleAtFixedRate(
        this::purgeQuietly,
        settings.purgeInterval.toMillis(),
        settings.purgeInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    LOG.log(
        System.Logger.Level.INFO,
        "participant {0} started: {1} consumer thread(s) with {2} handler thread(s) each on {3},"
            + " command types {4}",
        settings.name,
        settings.consumerThreads,
        settings.concurrency,
        settings.commandTopic,
        settings.registrations.keySet());
  }

  /**
   * Stops consuming, announcing and purging; idempotent. The batches in hand get the drain timeout
   * to finish; handlers still running then are interrupted and their commands, not committed, are
   * read again at the next start.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    workers.forEach(ConsumerWorker::stop);
    for (Thread thread : threads) {
      try {
        thread.join(settings.drainTimeout.plusSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    LOG.log(System.Logger.Level.INFO, "participant {0} stopped", settings.name);
  }

  /**
   * Publishes one announcement now and waits for Kafka to take it. Also done every announce
   * interval.
   */
  public void announce() {
    Announcement body =
        new Announcement(
            settings.name,
            settings.instanceId,
            settings.version,
            typesOf(Phase.FORWARD),
            typesOf(Phase.COMPENSATE),
            settings.clock.instant(),
            settings.heartbeatInterval.toMillis());
    ProducerRecord<String, byte[]> record =
        registryRecord(MessageKind.ANNOUNCEMENT, settings.json.writeValueAsBytes(body));
    try {
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParticipantException("announcement of " + settings.name + " interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new ParticipantException("announcement of " + settings.name + " failed", e);
    }
  }

  /**
   * Publishes one heartbeat now and waits for Kafka to take it. Also done every heartbeat interval
   * (without waiting): an instance whose heartbeats stop for three intervals is dead to the
   * coordinator.
   */
  public void heartbeat() {
    try {
      producer.send(heartbeatRecord()).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParticipantException("heartbeat of " + settings.name + " interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new ParticipantException("heartbeat of " + settings.name + " failed", e);
    }
  }

  private ProducerRecord<String, byte[]> heartbeatRecord() {
    Heartbeat body =
        new Heartbeat(
            settings.name,
            settings.instanceId,
            settings.heartbeatInterval.toMillis(),
            settings.clock.instant());
    return registryRecord(MessageKind.HEARTBEAT, settings.json.writeValueAsBytes(body));
  }

  private ProducerRecord<String, byte[]> registryRecord(MessageKind kind, byte[] body) {
    return new ProducerRecord<>(
        settings.registryTopic,
        null,
        settings.name,
        body,
        List.of(
            new RecordHeader(
                SagaHeaders.MESSAGE_KIND, kind.wireName().getBytes(StandardCharsets.UTF_8)),
            new RecordHeader(
                SagaHeaders.PARTICIPANT, settings.name.getBytes(StandardCharsets.UTF_8))));
  }

  /** Sends without waiting; one warning when heartbeats start failing, one line when they heal. */
  private void heartbeatQuietly() {
    try {
      if (!settings.alive.getAsBoolean()) {
        return;
      }
      producer.send(
          heartbeatRecord(),
          (metadata, failure) -> {
            if (failure != null && !heartbeatFailing) {
              heartbeatFailing = true;
              LOG.log(
                  System.Logger.Level.WARNING,
                  "participant {0}: heartbeats fail ({1}); the coordinator may count this instance"
                      + " as dead",
                  settings.name,
                  String.valueOf(failure));
            } else if (failure == null && heartbeatFailing) {
              heartbeatFailing = false;
              LOG.log(
                  System.Logger.Level.INFO,
                  "participant {0}: heartbeats sent again",
                  settings.name);
            }
          });
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "participant " + settings.name + ": heartbeat failed", e);
    }
  }

  /**
   * Deletes inbox rows not touched for longer than the retention (fence rows: the fence retention);
   * returns how many. Also done every purge interval.
   */
  public long purgeInbox() {
    try {
      Instant now = settings.clock.instant();
      return inbox.purgeOlderThan(
          settings.dataSource,
          now.minus(settings.inboxRetention),
          now.minus(settings.fenceRetention),
          1000);
    } catch (SQLException e) {
      throw new ParticipantException("purging the inbox of " + settings.name + " failed", e);
    }
  }

  private void announceQuietly() {
    try {
      announce();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "participant " + settings.name + ": announce failed", e);
    }
  }

  private void purgeQuietly() {
    try {
      long purged = purgeInbox();
      if (purged > 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "participant {0}: purged {1} inbox rows",
            settings.name,
            purged);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "participant " + settings.name + ": purge failed", e);
    }
  }

  private List<String> typesOf(Phase phase) {
    return settings.registrations.values().stream()
        .filter(r -> r.phase() == phase)
        .map(HandlerRegistration::commandType)
        .sorted()
        .toList();
  }

  private void createTopics() {
    Map<String, Object> config = new HashMap<>(settings.kafka);
    try (Admin admin = Admin.create(config)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic :
          List.of(settings.commandTopic, settings.deadLetterTopic, settings.registryTopic)) {
        if (!existing.contains(topic)) {
          missing.add(new NewTopic(topic, Optional.of(settings.topicPartitions), Optional.empty()));
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
      throw new ParticipantException("creating topics of " + settings.name + " interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new ParticipantException("creating topics of " + settings.name + " failed", e);
    }
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>(settings.kafka);
    config.putAll(settings.producerOverrides);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // never lose or duplicate a reply on a producer retry
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "saga-" + settings.name + "-producer");
    // a reply goes out at once (the Kafka 4 client's default waits 5 ms for more); under load
    // replies still share requests, since they gather while earlier requests are in flight
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
    return config;
  }

  /**
   * Half of {@code max.poll.interval.ms}: a batch stops taking records after that, so it commits
   * and polls again long before the group gives its partitions to another consumer.
   */
  private static Duration batchBudget(Map<String, Object> consumerConfig) {
    Object configured = consumerConfig.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    long maxPollInterval =
        configured == null ? DEFAULT_MAX_POLL_INTERVAL_MS : Long.parseLong(configured.toString());
    return Duration.ofMillis(Math.max(1, maxPollInterval / 2));
  }

  private Map<String, Object> consumerConfig(int index) {
    Map<String, Object> config = new HashMap<>(settings.kafka);
    config.putAll(settings.consumerOverrides);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    // offsets are committed only after the replies are out
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId);
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords);
    config.put(
        ConsumerConfig.CLIENT_ID_CONFIG,
        "saga-" + settings.name + "-" + settings.instanceId + "-consumer-" + index);
    Object staticId = config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    if (staticId != null) {
      // static membership needs one id per consumer
      config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, staticId + "-" + index);
    }
    return config;
  }

  private record Settings(
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
      OpenTelemetry openTelemetry) {}

  /** Builds a {@link Participant}; every setter checks its input at once. */
  public static final class Builder {
    private static final Duration DEFAULT_FENCE_RETENTION = Duration.ofDays(30);

    /** Handler threads per consumer thread when {@link #concurrency(int)} is not set. */
    public static final int DEFAULT_CONCURRENCY = 8;

    /** How often an instance sends a heartbeat when {@link #heartbeatInterval} is not set. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

    private final String name;
    private final Map<String, Object> kafka = new HashMap<>();
    private final Map<String, Object> consumerOverrides = new HashMap<>();
    private final Map<String, Object> producerOverrides = new HashMap<>();
    private final Map<String, HandlerRegistration<?>> registrations = new LinkedHashMap<>();
    private DataSource dataSource;
    private TransactionRunner transactions;
    private String commandTopic;
    private String deadLetterTopic;
    private String registryTopic = Topics.DEFAULT_REGISTRY_TOPIC;
    private String groupId;
    private int consumerThreads = 1;
    private int concurrency = DEFAULT_CONCURRENCY;
    private Duration drainTimeout = Duration.ofSeconds(10);
    private int maxPollRecords = 500;
    private Duration pollTimeout = Duration.ofMillis(500);
    private Duration failureBackoff = Duration.ofSeconds(1);
    private LocalRetryPolicy retry = LocalRetryPolicy.DEFAULT;
    private Duration announceInterval = Duration.ofSeconds(30);
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private BooleanSupplier alive = () -> true;
    private Duration inboxRetention = Duration.ofDays(7);
    private Duration fenceRetention;
    private Duration purgeInterval = Duration.ofHours(1);
    private String instanceId;
    private String version = "unspecified";
    private ObjectMapper json;
    private Clock clock = Clock.systemUTC();
    private boolean migrateInbox = true;
    private boolean createTopics = true;
    private int topicPartitions = 3;
    private OpenTelemetry openTelemetry = OpenTelemetry.noop();

    private Builder(String name) {
      this.name = Topics.requireParticipantName(name);
    }

    /**
     * Kafka client settings shared by the consumer, producer and admin client (at least {@code
     * bootstrap.servers}). Serializers, auto-commit, acks and idempotence are set by the SDK.
     */
    public Builder kafka(Map<String, ?> properties) {
      Objects.requireNonNull(properties, "kafka");
      if (properties.get("bootstrap.servers") == null) {
        throw new IllegalArgumentException("kafka must contain bootstrap.servers");
      }
      kafka.putAll(properties);
      return this;
    }

    /** Extra consumer settings, applied over {@link #kafka(Map)}. */
    public Builder consumerProperty(String key, Object value) {
      consumerOverrides.put(requireText(key, "consumerProperty key"), value);
      return this;
    }

    /** Extra producer settings, applied over {@link #kafka(Map)}. */
    public Builder producerProperty(String key, Object value) {
      producerOverrides.put(requireText(key, "producerProperty key"), value);
      return this;
    }

    /** The service's own database; the inbox lives there. Required. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** How transactions are opened. Default: {@link TransactionRunner#jdbc(DataSource)}. */
    public Builder transactionRunner(TransactionRunner transactions) {
      this.transactions = Objects.requireNonNull(transactions, "transactionRunner");
      return this;
    }

    /** Registers the forward handler of a command type. */
    public <C> Builder onCommand(
        String commandType, Class<C> commandClass, CommandHandler<C> handler) {
      return handler(HandlerRegistration.forward(commandType, commandClass, handler));
    }

    /** Registers the compensation handler of a command type. */
    public <C> Builder onCompensation(
        String commandType, Class<C> commandClass, CommandHandler<C> handler) {
      return handler(HandlerRegistration.compensation(commandType, commandClass, handler));
    }

    /** Registers a handler. A command type may be registered once. */
    public Builder handler(HandlerRegistration<?> registration) {
      Objects.requireNonNull(registration, "handler");
      if (registrations.putIfAbsent(registration.commandType(), registration) != null) {
        throw new IllegalArgumentException(
            "command type '" + registration.commandType() + "' is registered twice");
      }
      return this;
    }

    /** Default: {@code saga.<name>.commands}. */
    public Builder commandTopic(String topic) {
      this.commandTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Default: {@code saga.<name>.dlq}. */
    public Builder deadLetterTopic(String topic) {
      this.deadLetterTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Default: {@code saga.registry}. */
    public Builder registryTopic(String topic) {
      this.registryTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Consumer group. Default: the participant name. */
    public Builder groupId(String groupId) {
      this.groupId = requireText(groupId, "groupId");
      return this;
    }

    /**
     * Consumer threads, each with its own consumer in the group. Default 1. More than the number of
     * partitions of the command topic leaves some idle.
     */
    public Builder consumerThreads(int threads) {
      if (threads < 1 || threads > 64) {
        throw new IllegalArgumentException("consumerThreads must be 1..64, was " + threads);
      }
      this.consumerThreads = threads;
      return this;
    }

    /**
     * Handler threads per consumer thread: how many batches of commands (each one database
     * transaction) run at once. Commands of one saga (the record key) run in order, one after the
     * other; commands of different sagas run side by side, so a slow handler delays only its own
     * saga. Each handler thread holds a database connection while it handles a batch: the pool
     * needs {@code consumerThreads * concurrency} connections for the participant. Default {@value
     * #DEFAULT_CONCURRENCY}; 1 handles one batch at a time.
     */
    public Builder concurrency(int handlers) {
      if (handlers < 1 || handlers > 256) {
        throw new IllegalArgumentException("concurrency must be 1..256, was " + handlers);
      }
      this.concurrency = handlers;
      return this;
    }

    /**
     * How long {@link Participant#close()} and a revocation of partitions wait for the commands in
     * the handlers' hands. After that, {@code close()} interrupts the handlers (their transactions
     * roll back), and a revocation leaves them to finish without committing their offsets; either
     * way those commands are read again and answered once. Default 10 s.
     */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = requirePositive(timeout, "drainTimeout");
      return this;
    }

    /**
     * The most records in one batch (one database transaction); the consumer reads at most twice
     * this many ahead of its handlers. Default 500.
     */
    public Builder maxPollRecords(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxPollRecords must be at least 1, was " + max);
      }
      this.maxPollRecords = max;
      return this;
    }

    /** Default 500 ms. */
    public Builder pollTimeout(Duration timeout) {
      this.pollTimeout = requirePositive(timeout, "pollTimeout");
      return this;
    }

    /** Pause before reading a failed batch again. Default 1 s. */
    public Builder failureBackoff(Duration backoff) {
      this.failureBackoff = requirePositive(backoff, "failureBackoff");
      return this;
    }

    /** Local retries of a handler that throws. Default {@link LocalRetryPolicy#DEFAULT}. */
    public Builder localRetries(LocalRetryPolicy policy) {
      this.retry = Objects.requireNonNull(policy, "localRetries");
      return this;
    }

    /** How often the participant announces itself on the registry topic. Default 30 s. */
    public Builder announceInterval(Duration interval) {
      this.announceInterval = requirePositive(interval, "announceInterval");
      return this;
    }

    /**
     * How often the instance sends a heartbeat on the registry topic (the announcements carry the
     * interval). The coordinator counts an instance that misses three heartbeats as dead, and may
     * refuse starts whose first participant has no live instance. Default 5 s.
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = requirePositive(interval, "heartbeatInterval");
      return this;
    }

    /**
     * Sends a heartbeat only while {@code alive} answers true (asked once per heartbeat interval,
     * on the housekeeping thread), so that something other than this process decides liveness: the
     * saga bridge sends heartbeats only while its service's health endpoint answers. Default:
     * always alive.
     */
    public Builder aliveWhen(BooleanSupplier alive) {
      this.alive = Objects.requireNonNull(alive, "alive");
      return this;
    }

    /**
     * How long inbox rows are kept. Must be at least the longest saga deadline, or a late forward
     * command could find no fence and run. Default 7 days.
     */
    public Builder inboxRetention(Duration retention) {
      this.inboxRetention = requirePositive(retention, "inboxRetention");
      return this;
    }

    /**
     * How long fence rows (left by a compensation of a step never seen) are kept. A forward command
     * stuck in a coordinator's outbox may arrive long after the saga's deadline, and without its
     * fence it would run. Must be at least {@link #inboxRetention(Duration)}. Default 30 days, or
     * the inbox retention if that is longer.
     */
    public Builder fenceRetention(Duration retention) {
      this.fenceRetention = requirePositive(retention, "fenceRetention");
      return this;
    }

    /** How often old inbox rows are purged. Default 1 hour. */
    public Builder purgeInterval(Duration interval) {
      this.purgeInterval = requirePositive(interval, "purgeInterval");
      return this;
    }

    /** Instance id in announcements. Default: host name, process id and a random suffix. */
    public Builder instanceId(String instanceId) {
      this.instanceId = requireText(instanceId, "instanceId");
      return this;
    }

    /** The service version in announcements. Default {@code unspecified}. */
    public Builder version(String version) {
      this.version = requireText(version, "version");
      return this;
    }

    /**
     * The Jackson 3 mapper for bodies. Default: a plain {@link JsonMapper} that ignores unknown
     * properties (so a coordinator may add fields).
     */
    public Builder jsonMapper(ObjectMapper mapper) {
      this.json = Objects.requireNonNull(mapper, "jsonMapper");
      return this;
    }

    /** Default: system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where the spans of command handling go: one span per command, a child of the context in the
     * command's {@code traceparent} header, whose context the reply carries back. Pass the
     * service's OpenTelemetry SDK (or {@code GlobalOpenTelemetry.get()} under the Java agent).
     * Default: {@link OpenTelemetry#noop()}, no span recorded; the reply then repeats the command's
     * {@code traceparent}.
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /** Whether {@link #start()} runs the inbox migration (Flyway). Default true. */
    public Builder migrateInbox(boolean migrate) {
      this.migrateInbox = migrate;
      return this;
    }

    /**
     * Whether {@link #start()} creates missing command, dead-letter and registry topics with {@code
     * partitions} partitions. Default true, 3 partitions.
     */
    public Builder createTopics(boolean create, int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
      }
      this.createTopics = create;
      this.topicPartitions = partitions;
      return this;
    }

    /**
     * Checks that the required parts are there and builds the participant (not yet started).
     *
     * @throws IllegalStateException naming what is missing
     */
    public Participant build() {
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
      return new Participant(
          new Settings(
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
              openTelemetry));
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

    private static String requireText(String value, String field) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(field + " must not be blank");
      }
      return value;
    }

    private static Duration requirePositive(Duration value, String field) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(field + " must be a positive duration, was " + value);
      }
      return value;
    }
  }
}
