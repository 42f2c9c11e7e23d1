package io.sagacoord.server.internal.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.storage.OutboxDao;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.TimerDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes {@code saga_outbox} rows through the {@link CommandSender} and deletes each once the
 * broker acknowledged it.
 *
 * <p>One way in, {@link #handOver}, after a commit. The rows a writer committed (with their ids)
 * are sent from memory by the relay thread, without reading them back, and the acknowledged ones
 * are deleted in batches; sagas named instead have their rows claimed with {@code FOR UPDATE SKIP
 * LOCKED}, sent and deleted in one transaction by the same thread. And a poll every {@code
 * sec.outbox.poll-interval} picks up rows that a crash or a failed send left: rows written before
 * this coordinator started at once, newer ones only once they are older than {@code
 * sec.outbox.in-flight-grace} (until then they are the writer's to send); the step timeouts of
 * those leftover commands count from their send ({@link TimerDao#postponeTimeouts}). A row sent
 * twice (a crash between the send and the delete, a relay lagging behind by more than the grace) is
 * harmless: participants deduplicate by (saga, step, phase).
 */
@Component
public class OutboxRelay extends WorkerLoop {

  private static final Log log = LogFactory.getLog(OutboxRelay.class);
  // a row that keeps failing (topic deleted, message too large) is retried at least this often
  static final java.time.Duration MAX_BACK_OFF = java.time.Duration.ofMinutes(1);
  // rows handed over but not yet acknowledged; beyond this a hand-over is dropped (its rows stay
  // in the table and the poll sends them), so a broker outage cannot fill the heap
  static final int MAX_IN_MEMORY = 50_000;
  // acknowledged rows are deleted once this many are waiting, or this long after the first of them
  // was acknowledged: one small transaction per answer would cost more than the sends
  private static final int DELETE_BATCH = 2_000;
  private static final long DELETE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  // a command sent later than this after its commit gets its attempt's timeout moved by the delay
  static final Duration LATE_SEND = Duration.ofMillis(100);

  private final SecProperties properties;
  private final OutboxDao outbox;
  private final TransactionTemplate tx;
  private final CommandSender sender;
  private final TimerDao timers;
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final AtomicInteger inMemory = new AtomicInteger();
  private final Counter published;
  private final Counter sendFailures;
  private final Counter handOversDropped;
  private final Clock clock;
  private volatile Instant startedAt = Instant.MIN;

  // the relay thread's state between passes, confined to it
  private final long pollNanos;
  private final List<Object> drained = new ArrayList<>();
  private final List<OutboxRow> acknowledged = new ArrayList<>();
  private final List<Long> failed = new ArrayList<>();
  private final Set<UUID> submitted = new HashSet<>();
  private long nextPoll;
  private long firstAcknowledged;

  /** Rows committed by a hot path, to send from memory. */
  private record HandOver(List<OutboxRow> rows) {}

  /** Sagas whose rows are to be claimed from the table and sent. */
  private record Submitted(Collection<UUID> sagaIds) {}

  /** The broker's answer to the send of one handed-over row (error null when acknowledged). */
  private record Sent(OutboxRow row, Exception error) {}

  /** Wakes the relay thread to see that it is stopped. */
  private static final Object STOP = new Object();

  public OutboxRelay(
      SecProperties properties,
      OutboxDao outbox,
      TransactionTemplate tx,
      CommandSender sender,
      TimerDao timers,
      MeterRegistry meters,
      Clock clock) {
    // phase 100: starts before the reply consumers, timers and start writers that hand it commands,
    // stops after them
    super("sec-outbox-relay", "Outbox relay", 100, properties.outbox().pollInterval());
    this.pollNanos = properties.outbox().pollInterval().toNanos();
    this.timers = timers;
    this.clock = clock;
    this.properties = properties;
    this.outbox = outbox;
    this.tx = tx;
    this.sender = sender;
    this.published =
        Counter.builder("sec.outbox.published")
            .description("commands published to Kafka and acknowledged")
            .baseUnit(BaseUnits.MESSAGES)
            .register(meters);
    this.sendFailures =
        Counter.builder("sec.outbox.send.failures")
            .description("command sends that failed (the row stays and is sent again)")
            .baseUnit(BaseUnits.MESSAGES)
            .register(meters);
    this.handOversDropped =
        Counter.builder("sec.outbox.handovers.dropped")
            .description(
                "committed rows not handed to the relay (full or stopped), left to the poll")
            .baseUnit(BaseUnits.ROWS)
            .register(meters);
    Gauge.builder("sec.outbox.in-memory", inMemory, Number::doubleValue)
        .description("outbox rows handed to the relay and not yet acknowledged by Kafka")
        .baseUnit(BaseUnits.ROWS)
        .register(meters);
  }

  /**
   * What a committed transaction hands the relay: the outbox rows it wrote (with their ids), sent
   * from memory, and sagas whose pending rows the relay claims from the table.
   */
  public record Commands(List<OutboxRow> rows, Collection<UUID> sagas) {

    public Commands {
      rows = List.copyOf(rows);
      sagas = List.copyOf(sagas);
    }

    public static Commands rows(List<OutboxRow> rows) {
      return new Commands(rows, List.of());
    }

    public static Commands sagas(Collection<UUID> sagas) {
      return new Commands(List.of(), sagas);
    }
  }

  /**
   * Hands committed commands over; never blocks. Must be called only after the transaction that
   * wrote them committed.
   */
  public void handOver(Commands commands) {
    sendFromMemoryLater(commands.rows());
    claimLater(commands.sagas());
  }

  private void sendFromMemoryLater(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    if (!isRunning() || inMemory.get() >= MAX_IN_MEMORY) {
      handOversDropped.increment(rows.size());
      return;
    }
    inMemory.addAndGet(rows.size());
    events.add(new HandOver(rows));
  }

  /** Asks the relay thread to claim and publish these sagas' rows soon. */
  private void claimLater(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      events.add(new Submitted(List.copyOf(sagaIds)));
    }
  }

  /**
   * Publishes the pending rows of these sagas and returns once the broker acknowledged them (or the
   * sends failed; failed rows stay for the poll).
   */
  private void publishNow(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      tx.executeWithoutResult(
          status -> {
            List<OutboxRow> sent = send(outbox.claimForSagas(sagaIds, clock.instant()));
            timers.postponeTimeouts(lateSends(sent, clock.instant()));
          });
    }
  }

  /** What one pass over the oldest rows did. */
  private record Pass(int found, int sent) {}

  /**
   * Publishes up to one batch of the oldest rows that are not backing off and not (any more) in a
   * writer's hands; returns how many it found and how many the broker acknowledged.
   */
  private Pass publishOldest() {
    Instant now = clock.instant();
    Instant graceEnd = now.minus(properties.outbox().inFlightGrace());
    Instant writtenBefore = graceEnd.isAfter(startedAt) ? graceEnd : startedAt;
    Pass pass =
        tx.execute(
            status -> {
              List<OutboxRow> rows =
                  outbox.claimOldest(properties.outbox().batchSize(), now, writtenBefore);
              List<OutboxRow> sent = send(rows);
              timers.postponeTimeouts(lateSends(sent, clock.instant()));
              return new Pass(rows.size(), sent.size());
            });
    return pass == null ? new Pass(0, 0) : pass;
  }

  /**
   * Rows that reached Kafka later than {@link #LATE_SEND} after they were written (a crash or a
   * failed send left them, or the relay fell behind): each attempt's timeout counts from their
   * send, so the coordinator's time away or behind is not taken from the participant.
   */
  private static List<TimerDao.LateSend> lateSends(List<OutboxRow> sent, Instant now) {
    List<TimerDao.LateSend> late = new ArrayList<>(sent.size());
    for (OutboxRow row : sent) {
      String step = row.headers().get(SagaHeaders.STEP);
      String attempt = row.headers().get(SagaHeaders.ATTEMPT);
      Duration delay = Duration.between(row.createdAt(), now);
      if (step != null && attempt != null && delay.compareTo(LATE_SEND) > 0) {
        late.add(
            new TimerDao.LateSend(
                row.sagaId(),
                step,
                row.headers().getOrDefault(SagaHeaders.PHASE, Phase.FORWARD.wireName()),
                Integer.parseInt(attempt),
                delay));
      }
    }
    return late;
  }

  /**
   * Sends the rows; deletes the acknowledged ones, backs the failed ones off; returns the
   * acknowledged ones.
   */
  private List<OutboxRow> send(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return List.of();
    }
    List<CompletableFuture<Void>> futures = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      CompletableFuture<Void> answered = new CompletableFuture<>();
      try {
        sender.send(
            row,
            error -> {
              if (error == null) {
                answered.complete(null);
              } else {
                answered.completeExceptionally(error);
              }
            });
      } catch (RuntimeException e) {
        // a send refused at once (e.g. a record too large) fails this row only
        answered.completeExceptionally(e);
      }
      futures.add(answered);
    }
    sender.flush();
    List<Long> done = new ArrayList<>(rows.size());
    List<OutboxRow> sent = new ArrayList<>(rows.size());
    List<Long> failed = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      try {
        futures.get(i).get(30, TimeUnit.SECONDS);
        done.add(rows.get(i).id());
        sent.add(rows.get(i));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        failed.add(rows.get(i).id());
        sendFailed(rows.get(i).id(), e);
      }
    }
    outbox.delete(done);
    outbox.backOff(failed, clock.instant(), properties.outbox().pollInterval(), MAX_BACK_OFF);
    published.increment(done.size());
    return sent;
  }

  private void sendFailed(long id, Exception e) {
    sendFailures.increment();
    log.warn("Send of outbox row " + id + " failed; the poll retries it after a back-off: " + e);
  }

  /** Sends handed-over rows without waiting; each answer comes back as a {@link Sent} event. */
  private void sendFromMemory(List<OutboxRow> rows) {
    for (OutboxRow row : rows) {
      try {
        sender.send(row, error -> events.add(new Sent(row, error)));
      } catch (RuntimeException e) {
        events.add(new Sent(row, e));
      }
    }
  }

  /**
   * Deletes the acknowledged rows (and counts the timeouts of those that reached Kafka late from
   * then), backs the failed ones off; clears both lists.
   */
  private void settle(List<OutboxRow> acknowledged, List<Long> failed) {
    if (!acknowledged.isEmpty()) {
      List<Long> ids = acknowledged.stream().map(OutboxRow::id).toList();
      List<TimerDao.LateSend> late = lateSends(acknowledged, clock.instant());
      tx.executeWithoutResult(
          status -> {
            outbox.deleteSent(ids);
            timers.postponeTimeouts(late);
          });
      published.increment(acknowledged.size());
      acknowledged.clear();
    }
    if (!failed.isEmpty()) {
      outbox.backOff(failed, clock.instant(), properties.outbox().pollInterval(), MAX_BACK_OFF);
      failed.clear();
    }
  }

  @Override
  protected void starting() {
    sender.open();
    // a restart of this bean: whatever an earlier run left queued is in the table
    List<Object> stale = new ArrayList<>();
    events.drainTo(stale);
    discard(stale);
    inMemory.set(0);
    startedAt = clock.instant();
  }

  @Override
  protected void open(int worker) {
    drained.clear();
    acknowledged.clear();
    failed.clear();
    submitted.clear();
    nextPoll = System.nanoTime();
  }

  /**
   * Handles the events that came (sends from memory, their answers, sagas to claim), deletes the
   * acknowledged rows in batches, and polls the table when the poll is due. A failed pass forgets
   * what it held (rows whose delete failed stay in the table and are sent again by the poll) and is
   * retried after {@code sec.outbox.poll-interval}.
   */
  @Override
  protected void pass(int worker) throws InterruptedException {
    try {
      long waitNanos =
          acknowledged.isEmpty()
              ? pollNanos
              : Math.max(0, firstAcknowledged + DELETE_DELAY_NANOS - System.nanoTime());
      Object first = events.poll(waitNanos, TimeUnit.NANOSECONDS);
      if (first != null) {
        drained.add(first);
        events.drainTo(drained, 10_000);
      }
      for (Object event : drained) {
        if (event instanceof HandOver h) {
          sendFromMemory(h.rows());
        } else if (event instanceof Sent sent) {
          inMemory.decrementAndGet();
          if (sent.error() == null) {
            if (acknowledged.isEmpty()) {
              firstAcknowledged = System.nanoTime();
            }
            acknowledged.add(sent.row());
          } else {
            failed.add(sent.row().id());
            sendFailed(sent.row().id(), sent.error());
          }
        } else if (event instanceof Submitted s) {
          submitted.addAll(s.sagaIds());
        }
      }
      drained.clear();
      if (!submitted.isEmpty()) {
        publishNow(submitted);
        submitted.clear();
      }
      // one delete for many answers
      if (acknowledged.size() >= DELETE_BATCH
          || (!acknowledged.isEmpty()
              && System.nanoTime() - firstAcknowledged >= DELETE_DELAY_NANOS)
          || !failed.isEmpty()) {
        settle(acknowledged, failed);
      }
      if (System.nanoTime() - nextPoll >= 0) {
        // drain leftovers (at start-up this publishes what a crash left behind); only while
        // rows go out: failing rows back off and must not keep this loop spinning
        Pass pass;
        do {
          pass = publishOldest();
        } while (isRunning() && pass.found() >= properties.outbox().batchSize() && pass.sent() > 0);
        nextPoll = System.nanoTime() + pollNanos;
      }
    } catch (InterruptedException e) {
      throw e;
    } catch (Throwable e) {
      acknowledged.clear();
      failed.clear();
      discard(drained);
      throw e;
    }
  }

  /** On shutdown: waits for the answers to what was sent and deletes the acknowledged rows. */
  @Override
  protected void close(int worker) {
    drainOnStop(acknowledged, failed);
  }

  /** Ends the wait for events at once. */
  @Override
  protected void stopping() {
    events.add(STOP);
  }

  @Override
  protected void stopped() {
    sender.close(Duration.ofSeconds(5));
  }

  /**
   * Forgets events that will not be handled (their rows stay in the table for the poll), keeping
   * the count of rows in memory right.
   */
  private void discard(List<Object> dropped) {
    for (Object event : dropped) {
      if (event instanceof HandOver h) {
        inMemory.addAndGet(-h.rows().size());
        handOversDropped.increment(h.rows().size());
      } else if (event instanceof Sent) {
        inMemory.decrementAndGet();
      }
    }
    dropped.clear();
  }

  private void drainOnStop(List<OutboxRow> acknowledged, List<Long> failed) {
    try {
      sender.flush();
      List<Object> left = new ArrayList<>();
      Object event;
      while ((event = events.poll()) != null) {
        if (event instanceof Sent sent) {
          inMemory.decrementAndGet();
          if (sent.error() == null) {
            acknowledged.add(sent.row());
          } else {
            failed.add(sent.row().id());
          }
        } else {
          // not sent: the rows wait in the table for the next start's poll
          left.add(event);
        }
      }
      discard(left);
      settle(acknowledged, failed);
    } catch (RuntimeException e) {
      log.warn(
          "Deleting the sent outbox rows at shutdown failed; they are sent once more after the"
              + " restart: "
              + Failures.describe(e));
    }
  }
}
