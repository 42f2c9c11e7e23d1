package io.sagacoord.server.internal.timer;

import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.engine.EventJson;
import io.sagacoord.server.internal.engine.SagaLoader;
import io.sagacoord.server.internal.engine.TransitionWriter;
import io.sagacoord.server.internal.kafka.OutboxRelay;
import io.sagacoord.server.internal.kafka.ReplyConsumer;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.Failures;
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
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fires due timers: every {@code sec.timers.poll-interval} (and at once at start-up, so overdue
 * timers of a crashed coordinator fire without waiting for traffic) it locks sagas with due timers
 * ({@code SKIP LOCKED}: a saga busy elsewhere is tried next time), claims their due timers, feeds
 * each to the engine as {@code TimerFired} and records the transition, all in one transaction.
 */
@Component
public class TimerPoller implements SmartLifecycle {

  private static final Log log = LogFactory.getLog(TimerPoller.class);

  private final SecProperties properties;
  private final TimerDao timers;
  private final SagaInstanceDao instances;
  private final SagaLoader loader;
  private final SagaEngine engine;
  private final TransitionWriter writer;
  private final EventJson events;
  private final OutboxRelay relay;
  private final ReplyConsumer replies;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final Clock clock;
  private volatile Thread thread;
  private volatile boolean running;

  public TimerPoller(
      SecProperties properties,
      TimerDao timers,
      SagaInstanceDao instances,
      SagaLoader loader,
      SagaEngine engine,
      TransitionWriter writer,
      EventJson events,
      OutboxRelay relay,
      ReplyConsumer replies,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      Clock clock) {
    this.properties = properties;
    this.timers = timers;
    this.instances = instances;
    this.loader = loader;
    this.engine = engine;
    this.writer = writer;
    this.events = events;
    this.relay = relay;
    this.replies = replies;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.clock = clock;
  }

  /** What one pass did. */
  record Pass(int fired, Set<UUID> sagasWithCommands, boolean compensating) {}

  /** Fires what is due now; returns how many timers fired. Public for tests. */
  public int fireDue() {
    Pass pass = tx.execute(this::fireDueInTransaction);
    if (pass == null || pass.fired() == 0) {
      return 0;
    }
    crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
    if (pass.compensating()) {
      crashPoints.pass(CrashPoints.MID_COMPENSATION);
    }
    relay.publishNow(pass.sagasWithCommands());
    return pass.fired();
  }

  private Pass fireDueInTransaction(TransactionStatus status) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
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
    SagaEvent event =
        new SagaEvent.TimerFired(
            TimerKind.valueOf(timer.kind()),
            timer.step(),
            timer.phase() == null ? Phase.FORWARD : Phase.fromWire(timer.phase()),
            timer.attempt());
    Transition transition = engine.apply(loaded.definition(), loaded.state(), event, now);
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
      Duration wait = properties.timers().startupWait();
      if (!replies.awaitCaughtUp(wait)) {
        log.warn("Reply backlog not read within " + wait + "; firing timers anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      resumeParked();
    } catch (Throwable e) {
      log.warn("Resuming parked sagas failed", e);
    }
    while (running) {
      try {
        // keep firing while whole batches are due (after downtime many timers may be overdue)
        int fired;
        do {
          fired = fireDue();
        } while (running && fired >= properties.timers().batchSize());
        Thread.sleep(properties.timers().pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        // the loop never ends except on shutdown
        log.warn("Timer pass failed; retrying", e);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
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
