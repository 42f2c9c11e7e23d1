package io.sagacoord.participant;

import io.opentelemetry.api.OpenTelemetry;
import io.sagacoord.participant.internal.Counters;
import io.sagacoord.participant.internal.InboxMigrator;
import io.sagacoord.participant.internal.InboxRepository;
import io.sagacoord.protocol.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
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

  private final ParticipantSettings settings;
  private final Counters counters = new Counters();
  private final InboxRepository inbox = new InboxRepository();
  private final InboxPurge purge;
  private Producer<String, byte[]> producer;
  private RegistryPublisher registry;
  private ConsumerThreads consumers;
  private Housekeeping housekeeping;
  private boolean started;
  private boolean closed;

  private Participant(ParticipantSettings settings) {
    this.settings = settings;
    this.purge = new InboxPurge(settings, inbox);
  }

  /** Starts building a participant named after its service (lower-case, digits, dashes). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return settings.name();
  }

  /** The topic this participant consumes. */
  public String commandTopic() {
    return settings.commandTopic();
  }

  /** The topic poison records go to. */
  public String deadLetterTopic() {
    return settings.deadLetterTopic();
  }

  /** Handler threads per consumer thread (commands of different sagas handled at once). */
  public int concurrency() {
    return settings.concurrency();
  }

  /** How long a batch runs before it gives the records it has not started back. */
  public Duration batchBudget() {
    return settings.batchBudget();
  }

  /** The instance id used in announcements. */
  public String instanceId() {
    return settings.instanceId();
  }

  /** The counters since start. */
  public ParticipantMetrics metrics() {
    return counters.snapshot();
  }

  /** True while every consumer thread is running. */
  public synchronized boolean isRunning() {
    return started && !closed && (consumers == null || consumers.allAlive());
  }

  /**
   * Migrates the inbox, creates missing topics, starts consuming, announcing and purging.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException("participant " + settings.name() + " was already started");
    }
    started = true;
    if (settings.migrateInbox()) {
      InboxMigrator.migrate(settings.name(), settings.dataSource());
    }
    if (settings.createTopics()) {
      KafkaSetup.createMissingTopics(settings);
    }
    producer = new KafkaProducer<>(KafkaSetup.producerConfig(settings));
    registry = new RegistryPublisher(settings, producer);
    consumers = new ConsumerThreads(settings, inbox, producer, counters);
    consumers.start();
    housekeeping = Housekeeping.start(settings, registry, purge);
    LOG.log(
        System.Logger.Level.INFO,
        "participant {0} started: {1} consumer thread(s) with {2} handler thread(s) each on {3},"
            + " command types {4}",
        settings.name(),
        settings.consumerThreads(),
        settings.concurrency(),
        settings.commandTopic(),
        settings.registrations().keySet());
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
    if (consumers != null) {
      consumers.stop(settings.drainTimeout().plusSeconds(30).toMillis());
    }
    if (housekeeping != null) {
      housekeeping.stop();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    LOG.log(System.Logger.Level.INFO, "participant {0} stopped", settings.name());
  }

  /**
   * Publishes one announcement now and waits for Kafka to take it. Also done every announce
   * interval.
   */
  public void announce() {
    registry.announce();
  }

  /**
   * Publishes one heartbeat now and waits for Kafka to take it. Also done every heartbeat interval
   * (without waiting): an instance whose heartbeats stop for three intervals is dead to the
   * coordinator.
   */
  public void heartbeat() {
    registry.heartbeat();
  }

  /**
   * Deletes inbox rows not touched for longer than the retention (fence rows: the fence retention);
   * returns how many. Also done every purge interval.
   */
  public long purgeInbox() {
    return purge.purge();
  }

  /** Builds a {@link Participant}; every setter checks its input at once. */
  public static final class Builder {
    /** Handler threads per consumer thread when {@link #concurrency(int)} is not set. */
    public static final int DEFAULT_CONCURRENCY = 8;

    /** How long a batch runs at most before it gives the rest back, unless set. */
    public static final Duration DEFAULT_BATCH_BUDGET = Duration.ofMillis(50);

    /** How often an instance sends a heartbeat when {@link #heartbeatInterval} is not set. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

    private final ParticipantSettings.Draft draft;

    private Builder(String name) {
      this.draft = new ParticipantSettings.Draft(name);
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
      draft.kafka.putAll(properties);
      return this;
    }

    /** Extra consumer settings, applied over {@link #kafka(Map)}. */
    public Builder consumerProperty(String key, Object value) {
      draft.consumerOverrides.put(Checks.text(key, "consumerProperty key"), value);
      return this;
    }

    /** Extra producer settings, applied over {@link #kafka(Map)}. */
    public Builder producerProperty(String key, Object value) {
      draft.producerOverrides.put(Checks.text(key, "producerProperty key"), value);
      return this;
    }

    /** The service's own database; the inbox lives there. Required. */
    public Builder dataSource(DataSource dataSource) {
      draft.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** How transactions are opened. Default: {@link TransactionRunner#jdbc(DataSource)}. */
    public Builder transactionRunner(TransactionRunner transactions) {
      draft.transactions = Objects.requireNonNull(transactions, "transactionRunner");
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
      if (draft.registrations.putIfAbsent(registration.commandType(), registration) != null) {
        throw new IllegalArgumentException(
            "command type '" + registration.commandType() + "' is registered twice");
      }
      return this;
    }

    /** Default: {@code saga.<name>.commands}. */
    public Builder commandTopic(String topic) {
      draft.commandTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Default: {@code saga.<name>.dlq}. */
    public Builder deadLetterTopic(String topic) {
      draft.deadLetterTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Default: {@code saga.registry}. */
    public Builder registryTopic(String topic) {
      draft.registryTopic = Topics.requireTopicName(topic);
      return this;
    }

    /** Consumer group. Default: the participant name. */
    public Builder groupId(String groupId) {
      draft.groupId = Checks.text(groupId, "groupId");
      return this;
    }

    /**
     * Consumer threads, each with its own consumer in the group. Default 1. More than the number of
     * partitions of the command topic leaves some idle.
     */
    public Builder consumerThreads(int threads) {
      draft.consumerThreads = Checks.between(threads, 1, 64, "consumerThreads");
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
      draft.concurrency = Checks.between(handlers, 1, 256, "concurrency");
      return this;
    }

    /**
     * How long {@link Participant#close()} and a revocation of partitions wait for the commands in
     * the handlers' hands. After that, {@code close()} interrupts the handlers (their transactions
     * roll back), and a revocation leaves them to finish without committing their offsets; either
     * way those commands are read again and answered once. Default 10 s.
     */
    public Builder drainTimeout(Duration timeout) {
      draft.drainTimeout = Checks.positive(timeout, "drainTimeout");
      return this;
    }

    /**
     * The most records in one batch (one database transaction); the consumer reads at most twice
     * this many ahead of its handlers. Default 500.
     */
    public Builder maxPollRecords(int max) {
      draft.maxPollRecords = Checks.atLeastOne(max, "maxPollRecords");
      return this;
    }

    /**
     * How long a batch may run: past it, the batch takes no further record, commits what it handled
     * and gives the rest back to the queue for an idle handler thread. It bounds how long a slow
     * command holds the commands taken into its batch behind it. Default 50 ms, far longer than a
     * batch's fixed cost (a commit and a produce round trip).
     */
    public Builder batchBudget(Duration budget) {
      draft.batchBudget = Checks.positive(budget, "batchBudget");
      return this;
    }

    /** Default 500 ms. */
    public Builder pollTimeout(Duration timeout) {
      draft.pollTimeout = Checks.positive(timeout, "pollTimeout");
      return this;
    }

    /** Pause before reading a failed batch again. Default 1 s. */
    public Builder failureBackoff(Duration backoff) {
      draft.failureBackoff = Checks.positive(backoff, "failureBackoff");
      return this;
    }

    /** Local retries of a handler that throws. Default {@link LocalRetryPolicy#DEFAULT}. */
    public Builder localRetries(LocalRetryPolicy policy) {
      draft.retry = Objects.requireNonNull(policy, "localRetries");
      return this;
    }

    /** How often the participant announces itself on the registry topic. Default 30 s. */
    public Builder announceInterval(Duration interval) {
      draft.announceInterval = Checks.positive(interval, "announceInterval");
      return this;
    }

    /**
     * How often the instance sends a heartbeat on the registry topic (the announcements carry the
     * interval). The coordinator counts an instance that misses three heartbeats as dead, and may
     * refuse starts whose first participant has no live instance. Default 5 s.
     */
    public Builder heartbeatInterval(Duration interval) {
      draft.heartbeatInterval = Checks.positive(interval, "heartbeatInterval");
      return this;
    }

    /**
     * Sends a heartbeat only while {@code alive} answers true (asked once per heartbeat interval,
     * on the housekeeping thread), so that something other than this process decides liveness: the
     * saga bridge sends heartbeats only while its service's health endpoint answers. Default:
     * always alive.
     */
    public Builder aliveWhen(BooleanSupplier alive) {
      draft.alive = Objects.requireNonNull(alive, "alive");
      return this;
    }

    /**
     * How long inbox rows are kept. Must be at least the longest saga deadline, or a late forward
     * command could find no fence and run. Default 7 days.
     */
    public Builder inboxRetention(Duration retention) {
      draft.inboxRetention = Checks.positive(retention, "inboxRetention");
      return this;
    }

    /**
     * How long fence rows (left by a compensation of a step never seen) are kept. A forward command
     * stuck in a coordinator's outbox may arrive long after the saga's deadline, and without its
     * fence it would run. Must be at least {@link #inboxRetention(Duration)}. Default 30 days, or
     * the inbox retention if that is longer.
     */
    public Builder fenceRetention(Duration retention) {
      draft.fenceRetention = Checks.positive(retention, "fenceRetention");
      return this;
    }

    /** How often old inbox rows are purged. Default 1 hour. */
    public Builder purgeInterval(Duration interval) {
      draft.purgeInterval = Checks.positive(interval, "purgeInterval");
      return this;
    }

    /** Instance id in announcements. Default: host name, process id and a random suffix. */
    public Builder instanceId(String instanceId) {
      draft.instanceId = Checks.text(instanceId, "instanceId");
      return this;
    }

    /** The service version in announcements. Default {@code unspecified}. */
    public Builder version(String version) {
      draft.version = Checks.text(version, "version");
      return this;
    }

    /**
     * The Jackson 3 mapper for bodies. Default: a plain {@link JsonMapper} that ignores unknown
     * properties (so a coordinator may add fields).
     */
    public Builder jsonMapper(ObjectMapper mapper) {
      draft.json = Objects.requireNonNull(mapper, "jsonMapper");
      return this;
    }

    /** Default: system UTC clock. */
    public Builder clock(Clock clock) {
      draft.clock = Objects.requireNonNull(clock, "clock");
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
      draft.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /** Whether {@link #start()} runs the inbox migration (Flyway). Default true. */
    public Builder migrateInbox(boolean migrate) {
      draft.migrateInbox = migrate;
      return this;
    }

    /**
     * Whether {@link #start()} creates missing command, dead-letter and registry topics with {@code
     * partitions} partitions. Default true, 3 partitions.
     */
    public Builder createTopics(boolean create, int partitions) {
      draft.topicPartitions = Checks.atLeastOne(partitions, "partitions");
      draft.createTopics = create;
      return this;
    }

    /**
     * Checks that the required parts are there and builds the participant (not yet started).
     *
     * @throws IllegalStateException naming what is missing
     */
    public Participant build() {
      return new Participant(draft.settle());
    }
  }
}
