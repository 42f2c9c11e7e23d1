package io.sagacoord.server.internal.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.server.internal.storage.OutboxDao;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/**
 * The coordinator's meters. Counters move only after the transaction that caused them committed.
 * Every meter has a description and a base unit; Prometheus appends the unit to the name ({@code
 * sec.sagas.completed} with unit {@code sagas} is scraped as {@code
 * sec_sagas_completed_sagas_total}). The gauges read from the database are shared by all
 * coordinator instances: aggregate them with {@code max}, not {@code sum}.
 */
@Component
public class SecMetrics {

  /** Unit of counts of sagas. */
  public static final String SAGAS = "sagas";

  /** Unit of counts of replies. */
  public static final String REPLIES = "replies";

  /** Statuses in which a saga waits for an operator. */
  static final List<String> WAITING = List.of("FAILED", "PARKED");

  /** How long a database read behind the gauges is reused (scrapes of several gauges at once). */
  private static final long SNAPSHOT_NANOS = Duration.ofSeconds(5).toNanos();

  /**
   * Buckets of the saga duration histogram: a saga takes from tens of milliseconds (all
   * participants answer at once) to its deadline (minutes or hours).
   */
  private static final Duration[] SAGA_DURATION_BUCKETS = {
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofMinutes(1),
    Duration.ofMinutes(5),
    Duration.ofMinutes(15),
    Duration.ofHours(1),
  };

  private final MeterRegistry registry;
  private final Counter quarantined;
  private final Counter ignored;
  private final Counter late;
  private final Counter batchFallbacks;
  private final Timer timerLateness;
  private final OutboxDao outbox;
  private final SagaQueryDao sagas;
  private final Clock clock;
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);

  /** What the database-backed gauges show, read at {@code readAtNanos}. */
  private record Snapshot(
      long readAtNanos, long outboxBacklog, Map<String, Long> waiting, double longestQuietSeconds) {
    static final Snapshot EMPTY = new Snapshot(Long.MIN_VALUE, 0, Map.of(), 0);
  }

  public SecMetrics(MeterRegistry registry, OutboxDao outbox, SagaQueryDao sagas, Clock clock) {
    this.registry = registry;
    this.outbox = outbox;
    this.sagas = sagas;
    this.clock = clock;
    this.quarantined =
        Counter.builder("sec.replies.quarantined")
            .description("replies that could not be parsed or matched and were quarantined")
            .baseUnit(REPLIES)
            .register(registry);
    this.ignored =
        Counter.builder("sec.replies.ignored")
            .description("replies for a step attempt that is no longer outstanding (duplicates)")
            .baseUnit(REPLIES)
            .register(registry);
    this.late =
        Counter.builder("sec.replies.late")
            .description("replies for sagas that had already finished (also quarantined)")
            .baseUnit(REPLIES)
            .register(registry);
    this.batchFallbacks =
        Counter.builder("sec.replies.batch.fallbacks")
            .description("reply batches that could not be written at once, applied one by one")
            .baseUnit("batches")
            .register(registry);
    this.timerLateness =
        Timer.builder("sec.timers.lateness")
            .description("how long after its due time a timer fired")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    Gauge.builder("sec.outbox.backlog", this, m -> m.read().outboxBacklog())
        .description("rows waiting in saga_outbox to be published")
        .baseUnit(BaseUnits.ROWS)
        .register(registry);
    for (String status : WAITING) {
      Gauge.builder("sec.sagas.waiting", this, m -> m.read().waiting().getOrDefault(status, 0L))
          .description("sagas waiting for an operator (FAILED) or for their definition (PARKED)")
          .baseUnit(SAGAS)
          .tag("status", status)
          .register(registry);
    }
    Gauge.builder("sec.sagas.quiet.longest", this, m -> m.read().longestQuietSeconds())
        .description(
            "time since the least recently changed RUNNING or COMPENSATING saga last changed")
        .baseUnit("seconds")
        .register(registry);
  }

  /** The database-backed values, read again when the last read is older than a few seconds. */
  private Snapshot read() {
    Snapshot last = snapshot.get();
    long nowNanos = System.nanoTime();
    if (last != Snapshot.EMPTY && nowNanos - last.readAtNanos() < SNAPSHOT_NANOS) {
      return last;
    }
    try {
      Instant now = clock.instant();
      double quiet =
          sagas
              .leastRecentlyChangedActive()
              .map(t -> Math.max(0, Duration.between(t, now).toMillis()) / 1000.0)
              .orElse(0.0);
      Snapshot fresh = new Snapshot(nowNanos, outbox.count(), sagas.countByStatus(WAITING), quiet);
      snapshot.set(fresh);
      return fresh;
    } catch (RuntimeException e) {
      // keep the last known values when the database is unreachable
      return last;
    }
  }

  /** Counts a saga reaching a status: started or parked. */
  public void sagaStatus(String what, String sagaType) {
    AfterCommit.run(() -> sagaCounter(what, sagaType).increment());
  }

  /**
   * Counts a saga ending (completed, compensated or failed) and records how long it took from its
   * start.
   */
  public void sagaEnded(String outcome, String sagaType, Duration sinceCreated) {
    AfterCommit.run(
        () -> {
          sagaCounter(outcome, sagaType).increment();
          Timer.builder("sec.saga.duration")
              .description("time from a saga's start to its end, by type and outcome")
              .tags("type", sagaType, "outcome", outcome)
              .serviceLevelObjectives(SAGA_DURATION_BUCKETS)
              .register(registry)
              .record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
        });
  }

  private Counter sagaCounter(String what, String sagaType) {
    return Counter.builder("sec.sagas." + what)
        .description("sagas " + what + ", by type")
        .baseUnit(SAGAS)
        .tag("type", sagaType)
        .register(registry);
  }

  public void quarantined() {
    AfterCommit.run(quarantined::increment);
  }

  public void ignored() {
    ignored.increment();
  }

  /**
   * A reply for a saga that already finished (usually a late duplicate after a timeout or a
   * resend): quarantined, and counted here as late.
   */
  public void lateReply() {
    late.increment();
  }

  /** A reply batch that could not be written at once and was applied reply by reply. */
  public void batchFallback() {
    batchFallbacks.increment();
  }

  /** A timer fired this long after its due time (recorded once its transaction committed). */
  public void timerFired(Duration lateness) {
    AfterCommit.run(() -> timerLateness.record(lateness));
  }

  /** Time from sending a step's command to the reply that settled it, by participant too. */
  public void stepLatency(
      String sagaType, String step, String phase, String participant, Duration latency) {
    AfterCommit.run(
        () ->
            Timer.builder("sec.step.latency")
                .description("time from sending a step's command to the reply that settled it")
                .tags("type", sagaType, "step", step, "phase", phase, "participant", participant)
                .register(registry)
                .record(latency));
  }

  /**
   * Counts what a transition's log says happened to steps: retries scheduled, attempts and steps
   * timed out, steps compensated or whose compensation failed (by saga type and step).
   */
  public void stepEvents(String sagaType, List<LogEntry> log) {
    for (LogEntry entry : log) {
      if (entry.step() == null) {
        continue;
      }
      Counter.Builder counter =
          switch (entry.type()) {
            case "RETRY_SCHEDULED" ->
                Counter.builder("sec.step.retries")
                    .description("retries scheduled after a failed or timed-out attempt");
            case "ATTEMPT_TIMED_OUT" ->
                Counter.builder("sec.step.timeouts")
                    .description(
                        "attempts without a reply within the step timeout (kind=attempt) and steps"
                            + " that gave up on it (kind=step)")
                    .tag("kind", "attempt");
            case "STEP_TIMED_OUT" ->
                Counter.builder("sec.step.timeouts")
                    .description(
                        "attempts without a reply within the step timeout (kind=attempt) and steps"
                            + " that gave up on it (kind=step)")
                    .tag("kind", "step");
            case "STEP_COMPENSATED" ->
                Counter.builder("sec.step.compensations")
                    .description("compensations of steps that ended, by outcome")
                    .tag("outcome", "compensated");
            case "STEP_COMPENSATION_FAILED" ->
                Counter.builder("sec.step.compensations")
                    .description("compensations of steps that ended, by outcome")
                    .tag("outcome", "failed");
            default -> null;
          };
      if (counter != null) {
        Counter.Builder tagged =
            counter.baseUnit("events").tag("type", sagaType).tag("step", entry.step());
        AfterCommit.run(() -> tagged.register(registry).increment());
      }
    }
  }
}
