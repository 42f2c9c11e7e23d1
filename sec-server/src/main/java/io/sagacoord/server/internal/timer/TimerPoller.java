package io.sagacoord.server.internal.timer;

import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.pipeline.EventPipeline;
import io.sagacoord.server.internal.pipeline.SagaLoader;
import io.sagacoord.server.internal.pipeline.TransitionWriter;
import io.sagacoord.server.internal.reply.AppliedReplies;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.storage.TimerRow;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fires due timers: it locks sagas with due timers ({@code SKIP LOCKED}: a saga busy elsewhere is
 * tried next time), claims their due timers, feeds each to the engine as {@code TimerFired} and
 * records the transition, all in one transaction.
 *
 * <p>The database is the truth; memory only decides when to look. A pass runs when the earliest
 * known timer comes due (known from the table after each pass, and from every commit of this
 * coordinator that inserts timers, which wakes the loop at once when it brings an earlier one), and
 * at least every {@code sec.timers.poll-interval}, which finds timers inserted by other
 * coordinators and those a busy saga kept from firing. A timer therefore fires within a pass's own
 * time of its due time on an idle coordinator, and never before it. At start-up the first pass
 * waits until the replies already in Kafka are read, so answers that came while the coordinator was
 * away are applied before the timeouts they beat.
 */
@Component
public class TimerPoller extends WorkerLoop {

  private static final Log log = LogFactory.getLog(TimerPoller.class);

  private final SecProperties properties;
  private final TimerDao timers;
  private final SagaInstanceDao instances;
  private final SagaLoader loader;
  private final EventPipeline pipeline;
  private final OutboxRelay relay;
  private final AppliedReplies replies;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final SecMetrics metrics;

  /** The earliest due time announced by a commit and not yet reached; null when none. */
  private final AtomicReference<Instant> announced = new AtomicReference<>();

  /** When the loop plans to wake; an announcement earlier than this wakes it. */
  private volatile Instant wakeAt = Instant.MAX;

  /** Whether the last wait for reply intake ran out (warned once until it catches up). */
  private volatile boolean repliesLagging;

  private final SagaTracing tracing;

  public TimerPoller(
      SecProperties properties,
      TimerDao timers,
      SagaInstanceDao instances,
      SagaLoader loader,
      EventPipeline pipeline,
      OutboxRelay relay,
      AppliedReplies replies,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      Clock clock,
      SecMetrics metrics,
      SagaTracing tracing) {
    super("sec-timers", "Timer poller", 200, properties.timers().pollInterval());
    this.tracing = tracing;
    this.properties = properties;
    this.timers = timers;
    this.instances = instances;
    this.loader = loader;
    this.pipeline = pipeline;
    this.relay = relay;
    this.replies = replies;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.clock = clock;
    this.metrics = metrics;
    timers.onInsert(due -> AfterCommit.run(() -> announce(due)));
  }

  /** A committed timer comes due at {@code due}: wakes the loop if it planned to sleep past it. */
  void announce(Instant due) {
    announced.accumulateAndGet(due, (a, b) -> a == null || b.isBefore(a) ? b : a);
    if (due.isBefore(wakeAt)) {
      wakeWorkers();
    }
  }

  /** What one pass did. */
  record Pass(int fired, Set<UUID> sagasWithCommands, boolean compensating) {}

  /**
   * Fires what is due now, once the replies appended before now are applied; returns how many
   * timers fired. Public for tests.
   */
  public int fireDue() {
    Instant now = now();
    if (!timers.anyDue(now)) {
      return 0;
    }
    awaitReplies(now);
    Pass pass = tx.execute(status -> fireDueInTransaction(status, now));
    if (pass == null || pass.fired() == 0) {
      return 0;
    }
    crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
    if (pass.compensating()) {
      crashPoints.pass(CrashPoints.MID_COMPENSATION);
    }
    // the relay thread sends them: the next timer does not wait for this pass's broker round trip
    relay.handOver(OutboxRelay.Commands.sagas(pass.sagasWithCommands()));
    return pass.fired();
  }

  private void awaitReplies(Instant now) {
    Duration wait = properties.timers().replyWait();
    if (replies.awaitApplied(now, wait)) {
      repliesLagging = false;
    } else if (!repliesLagging) {
      repliesLagging = true;
      log.warn(
          "Reply intake has not applied the replies appended before "
              + now
              + " within "
              + wait
              + "; due timers fire anyway (sec.timers.reply-wait)");
    }
  }

  private Pass fireDueInTransaction(TransactionStatus status, Instant now) {
    List<UUID> due = timers.sagasWithDueTimers(now, sagasPerPass());
    if (due.isEmpty()) {
      return new Pass(0, Set.of(), false);
    }
    // saga rows first, then timer rows: the same lock order as reply intake
    Map<UUID, SagaRow> rows = pipeline.lockFree(due);
    int[] fired = {0};
    Set<UUID> withCommands = new LinkedHashSet<>();
    boolean[] compensating = {false};
    EventPipeline.eachUnderSavepoint(
        status,
        rows.values(),
        locked -> {
          SagaRow row = locked;
          for (TimerRow timer : timers.claimDue(row.id(), now)) {
            if (!timers.delete(timer.sagaId(), timer.id())) {
              continue;
            }
            fired[0]++;
            TransitionWriter.Written written = fire(row, timer, now);
            if (written != null) {
              row = written.row();
              if (written.sentCommands()) {
                withCommands.add(row.id());
              }
              compensating[0] |= written.sentCompensation();
            }
          }
        },
        // anything but a fatal error (also an Error from definition code the engine did not turn
        // into a failure) concerns this saga alone: its timers stay and fire next pass
        (locked, e) ->
            log.error(
                "Firing the timers of saga " + locked.id() + " failed; retried next pass", e));
    return new Pass(fired[0], withCommands, compensating[0]);
  }

  private TransitionWriter.Written fire(SagaRow row, TimerRow timer, Instant now) {
    try (SagaTracing.Event traced =
        tracing.timerFired(
            row.id(), row.sagaType(), timer.kind(), timer.step(), timer.phase(), timer.attempt())) {
      return fireTimer(row, timer, now);
    }
  }

  private TransitionWriter.Written fireTimer(SagaRow row, TimerRow timer, Instant now) {
    SagaEvent event =
        new SagaEvent.TimerFired(
            TimerKind.valueOf(timer.kind()),
            timer.step(),
            timer.phase() == null ? Phase.FORWARD : Phase.fromWire(timer.phase()),
            timer.attempt());
    // finished or parked: the timer goes (a resume re-arms what is outstanding)
    EventPipeline.Result result = pipeline.apply(row, event, now);
    if (result.transition() != null) {
      metrics.timerFired(Duration.between(timer.dueAt(), now));
    }
    if (result.kind() == EventPipeline.Kind.NOT_APPLIED) {
      log.debug("Ignored timer " + timer + ": " + result.transition().reason());
    }
    return result.written();
  }

  /**
   * Resumes parked sagas whose definition is loaded again (definitions change only with a restart,
   * so once at start-up is enough). Returns how many were resumed.
   */
  public int resumeParked() {
    int resumed = 0;
    List<UUID> parked = instances.idsWithStatus("PARKED", 10_000);
    for (UUID id : parked) {
      Pass pass =
          tx.execute(
              status -> {
                Map<UUID, SagaRow> rows = instances.lockSkipLocked(List.of(id));
                SagaRow row = rows.get(id);
                if (row == null) {
                  return new Pass(0, Set.of(), false);
                }
                SagaLoader.Loaded loaded = loader.load(row, now(), null);
                boolean done = loaded.definition() != null && loaded.written() != null;
                return new Pass(
                    done ? 1 : 0,
                    done && loaded.written().sentCommands() ? Set.of(id) : Set.of(),
                    false);
              });
      if (pass != null && pass.fired() > 0) {
        resumed++;
        relay.handOver(OutboxRelay.Commands.sagas(pass.sagasWithCommands()));
      }
    }
    if (resumed > 0) {
      log.info("Resumed " + resumed + " parked sagas whose definitions are loaded again");
    }
    return resumed;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  /** Sagas whose timers one pass fires: each under a savepoint of the pass's transaction. */
  private int sagasPerPass() {
    return Math.min(properties.timers().batchSize(), EventPipeline.SAVEPOINTS_PER_TRANSACTION);
  }

  @Override
  protected void open(int worker) {
    try {
      resumeParked();
    } catch (Throwable e) {
      // the timers fire all the same; a parked saga is resumed at the next start
      Failures.rethrowIfFatal(e);
      log.warn("Resuming parked sagas failed: " + Failures.describe(e));
      log.debug("Resuming parked sagas failed", e);
    }
  }

  /** Fires what is due, then waits for the next due time, an announcement or the poll. */
  @Override
  protected void pass(int worker) {
    waitUntil(firePasses());
  }

  /** After a failed pass: the poll interval, or less when a commit announces a timer. */
  @Override
  protected void backOff() {
    waitUntil(Instant.MAX);
  }

  /** Ends a wait for reply intake ({@link AppliedReplies#awaitApplied}). */
  @Override
  protected boolean interruptOnStop() {
    return true;
  }

  /**
   * Fires what is due (whole batches in a row after downtime) and returns when the next known timer
   * comes due ({@link Instant#MAX} when none is known).
   */
  private Instant firePasses() {
    Instant now = now();
    // announcements up to now are covered by this pass: their timers committed before it starts
    announced.updateAndGet(a -> a != null && !a.isAfter(now) ? null : a);
    Instant first = timers.firstDue().orElse(Instant.MAX);
    Instant next;
    if (first.isAfter(now)) {
      // nothing due: the first timer is the next one, and one query was the whole pass
      next = first;
    } else {
      int fired;
      do {
        fired = fireDue();
      } while (isRunning() && fired >= sagasPerPass());
      // timers that came due during the pass are next (at once); those already due before it and
      // still there (their saga busy elsewhere, or failing) wait for the poll
      next = timers.nextDueAfter(now).orElse(Instant.MAX);
    }
    Instant early = announced.get();
    return early != null && early.isBefore(next) ? early : next;
  }

  /**
   * Parks until the clock reaches {@code next} or an earlier announcement, but no longer than one
   * poll interval of real time.
   */
  private void waitUntil(Instant next) {
    long pollDeadline = System.nanoTime() + properties.timers().pollInterval().toNanos();
    while (isRunning()) {
      Instant target = next;
      Instant early = announced.get();
      if (early != null && early.isBefore(target)) {
        target = early;
      }
      wakeAt = target;
      Instant now = clock.instant();
      long untilPoll = pollDeadline - System.nanoTime();
      if (!now.isBefore(target) || untilPoll <= 0) {
        return;
      }
      long untilDue = target == Instant.MAX ? Long.MAX_VALUE : nanosBetween(now, target);
      LockSupport.parkNanos(this, Math.min(untilDue, untilPoll));
    }
  }

  private static long nanosBetween(Instant from, Instant to) {
    try {
      return Math.max(1, Duration.between(from, to).toNanos());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
