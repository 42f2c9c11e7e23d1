package io.sagacoord.server.internal.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.persistence.OutboxDao;
import io.sagacoord.server.internal.persistence.OutboxRow;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * <p>Three ways in. The hot paths (a batch of replies, a batch of starts) hand over the rows they
 * have just committed ({@link #publishWritten}, {@link #submitWritten}): they are sent as they are,
 * without reading them back, and deleted afterwards in batches by a cleaner thread, outside the
 * caller's critical path. Other committing code (timers, operator actions, a start inside a
 * caller's transaction) hands over saga ids ({@link #submit}, {@link #publishNow}): their rows are
 * claimed with {@code FOR UPDATE SKIP LOCKED}, sent and deleted in one transaction. And a poll
 * every {@code sec.outbox.poll-interval} picks up rows that a crash or a failed send left.
 *
 * <p>Rows this relay is sending or has sent but not yet deleted are never claimed by the poll or by
 * {@link #publishNow} (they are tracked in memory by command id); rows younger than {@code
 * sec.outbox.in-flight-grace} are left to the poll of a later pass unless they were written before
 * this relay started (another live coordinator may be sending them). A send repeated anyway (after
 * a crash) is harmless: participants deduplicate by (saga, step, phase).
 */
@Component
public class OutboxRelay implements SmartLifecycle {

  private static final Log log = LogFactory.getLog(OutboxRelay.class);
  // a row that keeps failing (topic deleted, message too large) is retried at least this often
  static final java.time.Duration MAX_BACK_OFF = java.time.Duration.ofMinutes(1);

  private final SecProperties properties;
  private final OutboxDao outbox;
  private final TransactionTemplate tx;
  private final TopicAdmin topics;
  private final LinkedBlockingQueue<UUID> submitted = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<List<OutboxRow>> submittedRows = new LinkedBlockingQueue<>();
  // command ids of rows sent (or being sent) by the hot paths and not yet deleted
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final LinkedBlockingQueue<OutboxRow> sentRows = new LinkedBlockingQueue<>();
  private volatile Instant startedAt = Instant.EPOCH;
  private volatile Thread cleaner;
  private final Counter published;
  private final Counter sendFailures;
  private final Clock clock;
  private volatile Producer<String, byte[]> producer;
  private volatile Thread thread;
  private volatile boolean running;

  public OutboxRelay(
      SecProperties properties,
      OutboxDao outbox,
      TransactionTemplate tx,
      TopicAdmin topics,
      MeterRegistry meters,
      Clock clock) {
    this.clock = clock;
    this.properties = properties;
    this.outbox = outbox;
    this.tx = tx;
    this.topics = topics;
    this.published = meters.counter("sec.outbox.published");
    this.sendFailures = meters.counter("sec.outbox.send.failures");
  }

  /** Asks the relay thread to publish these sagas' rows soon. */
  public void submit(Collection<UUID> sagaIds) {
    submitted.addAll(sagaIds);
  }

  /** Asks the relay thread to publish these just-committed rows soon, as they are. */
  public void submitWritten(List<OutboxRow> rows) {
    if (!rows.isEmpty()) {
      markInFlight(rows);
      submittedRows.add(rows);
    }
  }

  /**
   * Publishes rows the caller has just committed, as they are, and returns once the broker
   * acknowledged them (or the sends failed: such rows stay for the poll). Acknowledged rows are
   * deleted later by the cleaner thread.
   */
  public void publishWritten(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    markInFlight(rows);
    List<Future<RecordMetadata>> futures = sendAll(rows);
    producer.flush();
    int sent = 0;
    for (int i = 0; i < rows.size(); i++) {
      OutboxRow row = rows.get(i);
      if (await(futures.get(i), row)) {
        sentRows.add(row);
        sent++;
      } else {
        // left in the table: the poll sends it again (after the grace) and backs it off
        inFlight.remove(commandId(row));
      }
    }
    published.increment(sent);
  }

  private void markInFlight(List<OutboxRow> rows) {
    for (OutboxRow row : rows) {
      String id = commandId(row);
      if (id != null) {
        inFlight.add(id);
      }
    }
  }

  private static String commandId(OutboxRow row) {
    return row.headers().get(SagaHeaders.COMMAND_ID);
  }

  /**
   * Deletes the rows the hot paths sent, many per statement; retried until the database takes it.
   */
  private void clean() {
    List<OutboxRow> batch = new ArrayList<>();
    while (running || !sentRows.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          OutboxRow first = sentRows.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          sentRows.drainTo(batch, 4999);
        }
        outbox.deleteSent(batch);
        batch.forEach(r -> inFlight.remove(commandId(r)));
        batch.clear();
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      } catch (Throwable e) {
        // the rows stay marked in flight (nobody resends them) until the delete goes through
        log.warn("Deleting " + batch.size() + " sent outbox rows failed; retrying", e);
        sleepQuietly(properties.outbox().pollInterval().toMillis());
        if (!running) {
          return;
        }
      }
    }
  }

  /**
   * Publishes the pending rows of these sagas in the calling thread and returns once the broker
   * acknowledged them (or the sends failed; failed rows stay for the poll).
   */
  public void publishNow(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      tx.executeWithoutResult(
          status -> send(outbox.claimForSagas(sagaIds, clock.instant(), inFlightIds())));
    }
  }

  private String[] inFlightIds() {
    return inFlight.toArray(new String[0]);
  }

  /** What one pass over the oldest rows did. */
  public record Pass(int found, int sent) {}

  /**
   * Publishes up to one batch of the oldest rows that are not backing off; returns how many it
   * found and how many the broker acknowledged.
   */
  public Pass publishOldest() {
    Pass pass =
        tx.execute(
            status -> {
              Instant now = clock.instant();
              Instant youngest = now.minus(properties.outbox().inFlightGrace());
              // rows written before this relay started are crash leftovers: at once
              Instant createdBefore = youngest.isAfter(startedAt) ? youngest : startedAt;
              List<OutboxRow> rows =
                  outbox.claimOldest(
                      properties.outbox().batchSize(), now, createdBefore, inFlightIds());
              return new Pass(rows.size(), send(rows));
            });
    return pass == null ? new Pass(0, 0) : pass;
  }

  /** Sends the rows; deletes the acknowledged ones, backs the failed ones off; returns sent. */
  private int send(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return 0;
    }
    List<Future<RecordMetadata>> futures = sendAll(rows);
    producer.flush();
    List<Long> done = new ArrayList<>(rows.size());
    List<Long> failed = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
      if (await(futures.get(i), rows.get(i))) {
        done.add(rows.get(i).id());
      } else {
        failed.add(rows.get(i).id());
      }
    }
    outbox.delete(done);
    outbox.backOff(failed, clock.instant(), properties.outbox().pollInterval(), MAX_BACK_OFF);
    published.increment(done.size());
    return done.size();
  }

  private List<Future<RecordMetadata>> sendAll(List<OutboxRow> rows) {
    List<Future<RecordMetadata>> futures = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(
              row.topic(), null, row.messageKey(), row.payload().getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, String> header : row.headers().entrySet()) {
        record.headers().add(header.getKey(), header.getValue().getBytes(StandardCharsets.UTF_8));
      }
      try {
        futures.add(producer.send(record));
      } catch (RuntimeException e) {
        // a send refused at once (e.g. a record too large) fails this row only
        futures.add(java.util.concurrent.CompletableFuture.failedFuture(e));
      }
    }
    return futures;
  }

  /** Whether the broker acknowledged the send; a failure is counted and logged. */
  private boolean await(Future<RecordMetadata> future, OutboxRow row) {
    try {
      future.get(30, TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      sendFailures.increment();
      log.warn(
          "Send of outbox row "
              + (row.id() == null ? "for saga " + row.sagaId() : row.id())
              + " to "
              + row.topic()
              + " failed; the poll retries it after a back-off: "
              + e);
      return false;
    }
  }

  private void loop() {
    long nextPoll = System.nanoTime();
    long pollNanos = properties.outbox().pollInterval().toNanos();
    while (running) {
      try {
        List<OutboxRow> firstRows =
            submittedRows.poll(
                submitted.isEmpty() ? properties.outbox().pollInterval().toMillis() : 0,
                TimeUnit.MILLISECONDS);
        if (firstRows != null) {
          List<List<OutboxRow>> lists = new ArrayList<>();
          lists.add(firstRows);
          submittedRows.drainTo(lists, 1000);
          List<OutboxRow> rows = new ArrayList<>();
          lists.forEach(rows::addAll);
          publishWritten(rows);
        }
        UUID first = submitted.poll();
        if (first != null) {
          Set<UUID> ids = new HashSet<>();
          ids.add(first);
          submitted.drainTo(ids, 1000);
          publishNow(ids);
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
        return;
      } catch (Throwable e) {
        // the relay never stops except on shutdown
        log.warn("Outbox relay pass failed; retrying", e);
        sleepQuietly(properties.outbox().pollInterval().toMillis());
      }
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
    startedAt = clock.instant();
    running = true;
    thread = new Thread(this::loop, "sec-outbox-relay");
    thread.setDaemon(true);
    thread.start();
    cleaner = new Thread(this::clean, "sec-outbox-cleaner");
    cleaner.setDaemon(true);
    cleaner.start();
  }

  @Override
  public void stop() {
    running = false;
    // the cleaner is not interrupted: it deletes what was sent, then ends (what it leaves is only
    // sent again after a restart, which participants deduplicate)
    if (thread != null) {
      thread.interrupt();
    }
    for (Thread t : new Thread[] {thread, cleaner}) {
      if (t != null) {
        try {
          t.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
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
