package io.sagacoord.server.support;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.SagaView;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.timer.TimerPoller;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A coordinator under test whose time moves only when the test moves it, as a JUnit 5 extension
 * that owns the whole fixture: a database, reply and command topics, the coordinator (with a {@link
 * TestClock} registered as its {@code clock} bean) and scripted participants for the trip steps.
 * Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final CoordinatorKit sec =
 *     CoordinatorKit.named("sec_it").definitions(suffix -> List.of(TestSagas.trip(suffix)));
 * }</pre>
 *
 * <p>Step timeouts and saga deadlines pass only when a test moves the clock ({@link #advance}) and
 * runs what came due ({@link #runDueTimers}). Retry back-offs are the exception: while {@link
 * #awaitStatus} waits, it moves the clock to the next due back-off, as time would pass on its own,
 * unless a step timeout or a deadline comes due first. A test of a retry need not count its
 * back-offs, and no timeout passes that the test did not pass itself.
 *
 * <p>The kit moves the clock only once the relay has settled every command it holds: the relay
 * measures how late a command reached Kafka on the coordinator's clock and moves that attempt's
 * timeout later by as much, so a jump of the clock during a send would postpone the timeout by the
 * jump. Move the clock through the kit ({@link #advance}), not through {@link #clock()}.
 */
public final class CoordinatorKit implements BeforeAllCallback, AfterAllCallback {

  /** How long a test waits for the coordinator's threads (real time, never the saga's). */
  public static final Duration WAIT = Duration.ofSeconds(45);

  private final String name;
  private final Map<String, Object> properties = new HashMap<>();
  private Function<String, List<SagaDefinition<?>>> definitions = suffix -> List.of();
  private List<String> participantSteps = TestSagas.TRIP_STEPS;

  private TestClock clock;
  private KafkaInfra kafka;
  private TestDatabase db;
  private String suffix;
  private String replyTopic;
  private RunningCoordinator sec;
  private ScriptedParticipants participants;
  private Admin admin;

  private CoordinatorKit(String name) {
    this.name = name;
  }

  /** A kit whose database is named after {@code name}. */
  public static CoordinatorKit named(String name) {
    return new CoordinatorKit(name);
  }

  /** The definitions the coordinator loads, built for the run's topic suffix. */
  public CoordinatorKit definitions(Function<String, List<SagaDefinition<?>>> definitions) {
    this.definitions = definitions;
    return this;
  }

  /** A coordinator property on top of {@link RunningCoordinator}'s test defaults. */
  public CoordinatorKit property(String key, String value) {
    properties.put(key, value);
    return this;
  }

  /**
   * The steps whose command topics the scripted participants answer (the trip steps unless set).
   */
  public CoordinatorKit participantSteps(List<String> steps) {
    this.participantSteps = List.copyOf(steps);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    clock = new TestClock(Instant.now());
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase(name);
    suffix = UUID.randomUUID().toString().substring(0, 8);
    replyTopic = kafka.uniqueTopic("replies");
    sec =
        RunningCoordinator.start(
            db, kafka, replyTopic, properties, definitions.apply(suffix), Map.of("clock", clock));
    List<String> topics = new ArrayList<>();
    for (String step : participantSteps) {
      topics.add(TestSagas.participant(step, suffix).commandTopic());
    }
    participants =
        new ScriptedParticipants(
            kafka.consumerConfig("participants-" + suffix), kafka.producerConfig(), topics);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (admin != null) {
      admin.close();
    }
    try (TestDatabase d = db;
        RunningCoordinator s = sec;
        ScriptedParticipants p = participants) {
      // closed in reverse order
    }
  }

  public TestClock clock() {
    return clock;
  }

  public KafkaInfra kafka() {
    return kafka;
  }

  public TestDatabase db() {
    return db;
  }

  /** The suffix of this run's participant command topics. */
  public String suffix() {
    return suffix;
  }

  public String replyTopic() {
    return replyTopic;
  }

  public RunningCoordinator sec() {
    return sec;
  }

  public ScriptedParticipants participants() {
    return participants;
  }

  public SagaCoordinator coordinator() {
    return sec.bean(SagaCoordinator.class);
  }

  public <T> T bean(Class<T> type) {
    return sec.bean(type);
  }

  /**
   * Moves the coordinator's clock forward once every command in the relay's hands is settled (see
   * the class comment); nothing fires until {@link #runDueTimers}.
   */
  public void advance(Duration duration) {
    awaitSendsSettled();
    clock.advance(duration);
  }

  /** Like {@link #advance}, to {@code instant}: moves the clock there once the relay settled. */
  public void advanceTo(Instant instant) {
    awaitSendsSettled();
    clock.set(instant);
  }

  /**
   * Waits until the relay holds no command: every outbox row is sent and deleted, or backs off
   * after a failed send until a later instant of the clock.
   */
  public void awaitSendsSettled() {
    try {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> sendsInHand() == 0);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the relay did not settle its sends; " + pending(), e);
    }
  }

  /**
   * Fires every timer due at the clock's instant, on the caller's thread, and returns once none is
   * left (the coordinator's own timer thread may fire some of them meanwhile). Commands the fired
   * timers write are handed to the relay; {@link #drainOutbox} waits for their sends.
   */
  public void runDueTimers() {
    TimerPoller timers = sec.bean(TimerPoller.class);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              timers.fireDue();
              return dueTimers() == 0;
            });
  }

  /** Moves the clock by {@code duration}, fires what came due and waits until all is sent. */
  public void advanceAndRun(Duration duration) {
    advance(duration);
    runDueTimers();
    awaitIdle();
  }

  /**
   * Waits until the outbox is empty and the broker acknowledged every send. Rows whose send is due
   * again after a failure are handed to the relay at once rather than left to its poll; rows in the
   * relay's hands are left to it (handing them over again would send them twice).
   */
  public void drainOutbox() {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (sagasWithOutboxRows().isEmpty()) {
                return true;
              }
              List<UUID> due = sagasWithDueResends();
              if (!due.isEmpty()) {
                sec.bean(OutboxRelay.class).handOver(OutboxRelay.Commands.sagas(due));
              }
              return false;
            });
  }

  /**
   * Waits until the coordinator has nothing left to do at the clock's instant: no start waits to be
   * written, the outbox is empty, and every reply appended to the reply topic so far is applied.
   */
  public void awaitIdle() {
    await().atMost(WAIT).until(() -> pendingStarts() == 0);
    drainOutbox();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(this::repliesApplied);
  }

  /**
   * Waits until {@code condition} holds, letting due retry back-offs pass meanwhile (see the class
   * comment).
   */
  public void awaitWithBackOffs(Callable<Boolean> condition) {
    if (!awaitWithBackOffs(condition, WAIT)) {
      throw new AssertionError(
          "not fulfilled within " + WAIT + "; clock " + clock.instant() + "; " + pending());
    }
  }

  /**
   * Waits until {@code condition} holds, letting due retry back-offs pass meanwhile, and whenever
   * it has not held for {@code patience} of real time, moves the clock by {@code stepTimeout} and
   * fires what came due: a command that a killed participant took and never answered is noticed by
   * its timeout, as it would be in production. Gives up after {@link #WAIT}.
   */
  public void awaitPassingTimeouts(
      Duration stepTimeout, Duration patience, Callable<Boolean> condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!awaitWithBackOffs(condition, patience)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "not fulfilled within " + WAIT + "; clock " + clock.instant() + "; " + pending());
      }
      advanceAndRun(stepTimeout);
    }
  }

  private boolean awaitWithBackOffs(Callable<Boolean> condition, Duration atMost) {
    try {
      await()
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                if (condition.call()) {
                  return true;
                }
                elapseNextBackOff();
                return false;
              });
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** The timers and outbox rows left, for failure messages. */
  private String pending() {
    return "timers "
        + jdbc()
            .sql(
                "SELECT saga_id, kind, step, phase, attempt, due_at FROM saga_timer ORDER BY due_at")
            .query()
            .listOfRows()
        + "; sagas with outbox rows "
        + sagasWithOutboxRows();
  }

  /** Waits for a status, letting due retry back-offs pass (see the class comment). */
  public SagaView awaitStatus(UUID id, String status) {
    try {
      awaitWithBackOffs(() -> hasStatus(id, status));
    } catch (AssertionError e) {
      throw new AssertionError(
          "saga "
              + id
              + " did not reach "
              + status
              + ": "
              + coordinator().find(id).map(v -> v.status() + " " + v.steps()).orElse("not found"),
          e);
    }
    return coordinator().find(id).orElseThrow();
  }

  private boolean hasStatus(UUID id, String status) {
    return coordinator().find(id).map(v -> v.status().equals(status)).orElse(false);
  }

  /**
   * Moves the clock to the next due back-off and fires it, unless a step timeout or a deadline
   * comes due first (those pass only when the test moves the clock) or the relay still holds a
   * command (then on a later call).
   */
  private void elapseNextBackOff() {
    Optional<Instant> next = nextDue("kind = 'RETRY'");
    if (next.isEmpty() || sendsInHand() > 0) {
      return;
    }
    Optional<Instant> other = nextDue("kind <> 'RETRY'");
    if (other.isPresent() && !other.get().isAfter(next.get())) {
      return;
    }
    if (next.get().isAfter(clock.instant())) {
      clock.set(next.get());
    }
    runDueTimers();
  }

  /**
   * Whether the coordinator's consumer group has committed every reply on the reply topic (it
   * commits a batch's offsets after the batch's database commit).
   */
  private boolean repliesApplied() throws Exception {
    if (admin == null) {
      admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }
    List<TopicPartition> partitions =
        admin
            .describeTopics(List.of(replyTopic))
            .allTopicNames()
            .get()
            .get(replyTopic)
            .partitions()
            .stream()
            .map(p -> new TopicPartition(replyTopic, p.partition()))
            .toList();
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin
            .listOffsets(
                partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
            .all()
            .get();
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(consumerGroup()).partitionsToOffsetAndMetadata().get();
    for (TopicPartition tp : partitions) {
      long end = ends.get(tp).offset();
      OffsetAndMetadata at = committed.get(tp);
      if (end > 0 && (at == null || at.offset() < end)) {
        return false;
      }
    }
    return true;
  }

  private String consumerGroup() {
    Object group = properties.get("sec.kafka.consumer-group");
    return group != null ? group.toString() : "sec-" + replyTopic;
  }

  private Optional<Instant> nextDue(String kinds) {
    return jdbc()
        .sql("SELECT due_at FROM saga_timer WHERE " + kinds + " ORDER BY due_at LIMIT 1")
        .query(OffsetDateTime.class)
        .optional()
        .map(OffsetDateTime::toInstant);
  }

  private long dueTimers() {
    return jdbc()
        .sql("SELECT count(*) FROM saga_timer WHERE due_at <= :now")
        .param("now", clock.instant().atOffset(ZoneOffset.UTC))
        .query(Long.class)
        .single();
  }

  private List<UUID> sagasWithOutboxRows() {
    return jdbc().sql("SELECT DISTINCT saga_id FROM saga_outbox").query(UUID.class).list();
  }

  private List<UUID> sagasWithDueResends() {
    return jdbc()
        .sql("SELECT DISTINCT saga_id FROM saga_outbox WHERE next_attempt_at <= :now")
        .param("now", clock.instant().atOffset(ZoneOffset.UTC))
        .query(UUID.class)
        .list();
  }

  /**
   * Outbox rows the relay may be sending: not yet tried, or due again after a failed send. A row
   * that backs off until later on the clock is not sent before the clock moves.
   */
  private long sendsInHand() {
    return jdbc()
        .sql(
            "SELECT count(*) FROM saga_outbox"
                + " WHERE next_attempt_at IS NULL OR next_attempt_at <= :now")
        .param("now", clock.instant().atOffset(ZoneOffset.UTC))
        .query(Long.class)
        .single();
  }

  private double pendingStarts() {
    Gauge pending = sec.bean(MeterRegistry.class).find("sec.starts.pending").gauge();
    return pending == null ? 0 : pending.value();
  }

  private JdbcClient jdbc() {
    return sec.bean(JdbcClient.class);
  }
}
