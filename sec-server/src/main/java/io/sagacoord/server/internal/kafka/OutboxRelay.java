package io.sagacoord.server.internal.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.persistence.OutboxDao;
import io.sagacoord.server.internal.persistence.OutboxRow;
import io.sagacoord.server.internal.persistence.TimerDao;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes {@code saga_outbox} rows and deletes each once the broker acknowledged it.
 *
 * <p>Three ways in. The hot paths (a batch of replies, a batch of starts) hand the rows they
 * committed over with {@link #handOver}: the relay thread sends them from memory, without reading
 * them back, and deletes the acknowledged ones in batches. Other writers hand over saga ids ({@link
 * #submit} after a commit, {@link #publishNow} in the calling thread); their rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED}, sent and deleted in one transaction. And a poll every {@code
 * sec.outbox.poll-interval} picks up rows that a crash or a failed send left: rows written before
 * this coordinator started at once, newer ones only once they are older than {@code
 * sec.outbox.in-flight-grace} (until then they are the writer's to send); the step timeouts of
 * those leftover commands count from their send ({@link TimerDao#postponeTimeouts}). A row sent
 * twice (a crash between the send and the delete, a relay lagging behind by more than the grace) is
 * harmless: participants deduplicate by (saga, step, phase).
 */
@Component
public class OutboxRelay implements SmartLifecycle {

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
  private final TopicAdmin topics;
  private final TimerDao timers;
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final AtomicInteger inMemory = new AtomicInteger();
  private final Counter published;
  private final Counter sendFailures;
  private final Counter handOversDropped;
  private final Clock clock;
  private volatile Instant startedAt = Instant.MIN;
  private volatile Producer<String, byte[]> producer;
  private volatile Thread thread;
  private volatile boolean running;

  /** Rows committed by a hot path, to send from memory. */
  private record HandOver(List<OutboxRow> rows) {}

  /** Sagas whose rows are to be claimed from the table and sent. */
  private record Submitted(Collection<UUID> sagaIds) {}

  /** The broker's answer to the send of one handed-over row (error null when acknowledged). */
  private record Sent(OutboxRow row, Exception error) {}

  private final SagaTracing tracing;

  public OutboxRelay(
      SecProperties properties,
      OutboxDao outbox,
      TransactionTemplate tx,
      TopicAdmin topics,
      TimerDao timers,
      MeterRegistry meters,
      Clock clock,
      SagaTracing tracing) {
    this.tracing = tracing;
    this.timers = timers;
    this.clock = clock;
    this.properties = properties;
    this.outbox = outbox;
    this.tx = tx;
    this.topics = topics;
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
   * Hands committed rows (with their ids) over for sending from memory; never blocks. Must be
   * called only after the transaction that inserted them committed.
   */
  public void handOver(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    if (!running || inMemory.get() >= MAX_IN_MEMORY) {
      handOversDropped.increment(rows.size());
      return;
    }
    inMemory.addAndGet(rows.size());
    events.add(new HandOver(List.copyOf(rows)));
  }

  /** Asks the relay thread to claim and publish these sagas' rows soon. */
  public void submit(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      events.add(new Submitted(List.copyOf(sagaIds)));
    }
  }

  /**
   * Publishes the pending rows of these sagas in the calling thread and returns once the broker
   * acknowledged them (or the sends failed; failed rows stay for the poll).
   */
  public void publishNow(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      tx.executeWithoutResult(
          status -> {
            List<OutboxRow> sent = send(outbox.claimForSagas(sagaIds, clock.instant()));
            timers.postponeTimeouts(lateSends(sent, clock.instant()));
          });
    }
  }

  /** What one pass over the oldest rows did. */
  public record Pass(int found, int sent) {}

  /**
   * Publishes up to one batch of the oldest rows that are not backing off and not (any more) in a
   * writer's hands; returns how many it found and how many the broker acknowledged.
   */
  public Pass publishOldest() {
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

  private ProducerRecord<String, byte[]> record(OutboxRow row) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            row.topic(), null, row.messageKey(), row.payload().getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, String> header : row.headers().entrySet()) {
      record.headers().add(header.getKey(), header.getValue().getBytes(StandardCharsets.UTF_8));
    }
    tracing.sending(row, record.headers());
    return record;
  }

  /**
   * Sends the rows; deletes the acknowledged ones, backs the failed ones off; returns the
   * acknowledged ones.
   */
  private List<OutboxRow> send(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return List.of();
    }
    List<Future<RecordMetadata>> futures = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      try {
        futures.add(producer.send(record(row)));
      } catch (RuntimeException e) {
        // a send refused at once (e.g. a record too large) fails this row only
        futures.add(java.util.concurrent.CompletableFuture.failedFuture(e));
      }
    }
    producer.flush();
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
        producer.send(record(row), (metadata, error) -> events.add(new Sent(row, error)));
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

  private void loop() {
    long nextPoll = System.nanoTime();
    long pollNanos = properties.outbox().pollInterval().toNanos();
    List<Object> drained = new ArrayList<>();
    List<OutboxRow> acknowledged = new ArrayList<>();
    List<Long> failed = new ArrayList<>();
    Set<UUID> submitted = new HashSet<>();
    long firstAcknowledged = 0;
    while (running) {
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
          } while (running && pass.found() >= properties.outbox().batchSize() && pass.sent() > 0);
          nextPoll = System.nanoTime() + pollNanos;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Throwable e) {
        // the relay never stops except on shutdown; rows whose delete failed stay in the table
        // and are sent again by the poll
        log.warn("Outbox relay pass failed; retrying", e);
        acknowledged.clear();
        failed.clear();
        discard(drained);
        sleepQuietly(properties.outbox().pollInterval().toMillis());
      }
    }
    drainOnStop(acknowledged, failed);
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

  /** On shutdown: waits for the answers to what was sent and deletes the acknowledged rows. */
  private void drainOnStop(List<OutboxRow> acknowledged, List<Long> failed) {
    try {
      producer.flush();
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
      // what is not deleted is sent once more after the restart
      log.warn("Deleting the sent outbox rows at shutdown failed", e);
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void start() {
    topics.ensureTopics();
    producer = new KafkaProducer<>(KafkaClients.producer(properties));
    // a restart of this bean: whatever an earlier run left queued is in the table
    List<Object> stale = new ArrayList<>();
    events.drainTo(stale);
    discard(stale);
    inMemory.set(0);
    startedAt = clock.instant();
    running = true;
    thread = new Thread(this::loop, "sec-outbox-relay");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stop() {
    running = false;
    Thread t = thread;
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Producer<String, byte[]> p = producer;
    if (p != null) {
      p.close(java.time.Duration.ofSeconds(5));
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Starts before the reply consumer and timers (which publish through it), stops after them. */
  @Override
  public int getPhase() {
    return 100;
  }
}
