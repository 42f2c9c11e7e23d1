package io.sagacoord.server.internal.timer;

import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import io.sagacoord.server.internal.engine.EventJson;
import io.sagacoord.server.internal.engine.SagaLoader;
import io.sagacoord.server.internal.engine.TransitionWriter;
import io.sagacoord.server.internal.kafka.OutboxRelay;
import io.sagacoord.server.internal.kafka.ReplyWatermark;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.persistence.SagaInstanceDao;
import io.sagacoord.server.internal.persistence.SagaRow;
import io.sagacoord.server.internal.persistence.TimerDao;
import io.sagacoord.server.internal.persistence.TimerRow;
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
import org.springframework.context.SmartLifecycle;
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
public class TimerPoller implements SmartLifecycle {

  private static final Log log = LogFactory.getLog(TimerPoller.class);

  private final SecProperties properties;
  private final TimerDao timers;
  private final SagaInstanceDao instances;
  private final SagaLoader loader;
  private final SagaEngine engine;
  private final ParticipantCircuits circuits;
  private final TransitionWriter writer;
  private final EventJson events;
  private final OutboxRelay relay;
  private final ReplyWatermark replies;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final SecMetrics metrics;
  private volatile Thread thread;
  private volatile boolean running;

  /** The earliest due time announced by a commit and not yet reached; null when none. */
  private final AtomicReference<Instant> announced = new AtomicReference<>();

  /** When the loop plans to wake; an announcement earlier than this wakes it. */
  private volatile Instant wakeAt = Instant.MAX;

  /** Whether the last wait for reply intake ran out (warned once until it catches up). */
  private volatile boolean repliesLagging;

  public TimerPoller(
      SecProperties properties,
      TimerDao timers,
      SagaInstanceDao instances,
      SagaLoader loader,
      SagaEngine engine,
      TransitionWriter writer,
      EventJson events,
      OutboxRelay relay,
      ReplyWatermark replies,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      Clock clock,
      SecMetrics metrics,
      ParticipantCircuits circuits) {
    this.properties = properties;
    this.timers = timers;
    this.instances = instances;
    this.loader = loader;
    this.engine = engine;
    this.circuits = circuits;
    this.writer = writer;
    this.events = events;
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
    Thread t = thread;
    if (t != null && due.isBefore(wakeAt)) {
      LockSupport.unpark(t);
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
    relay.submit(pass.sagasWithCommands());
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
    List<UUID> due = timers.sagasWithDueTimers(now, properties.timers().batchSize());
    if (due.isEmpty()) {
      return new Pass(0, Set.of(), false);
    }
    // saga rows first, then timer rows: the same lock order as reply intake
    Map<UUID, SagaRow> rows = instances.lockSkipLocked(due);
    int fired = 0;
    Set<UUID> withCommands = new LinkedHashSet<>();
    boolean compensating = false;
    for (SagaRow locked : rows.values()) {
      Object savepoint = status.createSavepoint();
      try {
        SagaRow row = locked;
        for (TimerRow timer : timers.claimDue(row.id(), now)) {
          if (!timers.delete(timer.sagaId(), timer.id())) {
            continue;
          }
          fired++;
          TransitionWriter.Written written = fire(row, timer, now);
          if (written != null) {
            row = written.row();
            if (written.sentCommands()) {
              withCommands.add(row.id());
            }
            compensating |= written.sentCompensation();
          }
        }
        status.releaseSavepoint(savepoint);
      } catch (Throwable e) {
        // out of memory and the like roll back the pass; anything else (also an Error from
        // definition code the engine did not turn into a failure) concerns this saga alone
        Failures.rethrowIfFatal(e);
        status.rollbackToSavepoint(savepoint);
        log.error("Firing the timers of saga " + locked.id() + " failed; retried next pass", e);
      }
    }
    return new Pass(fired, withCommands, compensating);
  }

  private TransitionWriter.Written fire(SagaRow row, TimerRow timer, Instant now) {
    SagaLoader.Loaded loaded = loader.load(row, now, null);
    if (loaded.definition() == null || loaded.state().status().isTerminal()) {
      // finished or parked: the timer goes (a resume re-arms what is outstanding)
      return loaded.written();
    }
    metrics.timerFired(Duration.between(timer.dueAt(), now));
    SagaEvent event =
        new SagaEvent.TimerFired(
            TimerKind.valueOf(timer.kind()),
            timer.step(),
            timer.phase() == null ? Phase.FORWARD : Phase.fromWire(timer.phase()),
            timer.attempt());
    Transition transition = engine.apply(loaded.definition(), loaded.state(), event, now);
    circuits.observe(loaded.definition(), event, transition);
    if (!transition.applied()) {
      log.debug("Ignored timer " + timer + ": " + transition.reason());
      return loaded.written();
    }
    return TransitionWriter.Written.merge(
        loaded.written(), writer.write(loaded.row(), transition, events.toJson(event), now, null));
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
        relay.publishNow(pass.sagasWithCommands());
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

  private void loop() {
    try {
      resumeParked();
    } catch (Throwable e) {
      log.warn("Resuming parked sagas failed", e);
    }
    boolean failing = false;
    while (running) {
      try {
        Instant next = firePasses();
        if (failing) {
          failing = false;
          log.info("Timer passes work again");
        }
        waitUntil(next);
      } catch (Throwable e) {
        // the loop never ends except on shutdown; an outage costs one line, not one per poll
        Failures.rethrowIfFatal(e);
        if (!failing) {
          failing = true;
          log.warn("Timer pass failed, retried every poll interval: " + Failures.describe(e));
        } else if (log.isDebugEnabled()) {
          log.debug("Timer pass failed again: " + Failures.describe(e));
        }
        waitUntil(Instant.MAX);
      }
    }
  }

  /**
   * Fires what is due (whole batches in a row after downtime) and returns when the next known timer
   * comes due ({@link Instant#MAX} when none is known).
   */
  private Instant firePasses() {
    Instant now = now();
    // announcements up to now are covered by this pass: their timers committed before it starts
    announced.updateAndGet(a -> a != null && !a.isAfter(now) ? null : a);
    int fired;
    do {
      fired = fireDue();
    } while (running && fired >= properties.timers().batchSize());
    // timers that came due during the pass are next (at once); those already due before it and
    // still there (their saga busy elsewhere, or failing) wait for the poll
    Instant next = timers.nextDueAfter(now).orElse(Instant.MAX);
    Instant early = announced.get();
    return early != null && early.isBefore(next) ? early : next;
  }

  /**
   * Parks until the clock reaches {@code next} or an earlier announcement, but no longer than one
   * poll interval of real time.
   */
  private void waitUntil(Instant next) {
    long pollDeadline = System.nanoTime() + properties.timers().pollInterval().toNanos();
    while (running) {
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

  @Override
  public void start() {
    running = true;
    thread = new Thread(this::loop, "sec-timers");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stop() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return 200;
  }
}
