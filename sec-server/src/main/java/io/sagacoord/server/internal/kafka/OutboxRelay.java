package io.sagacoord.server.internal.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.persistence.OutboxDao;
import io.sagacoord.server.internal.persistence.OutboxRow;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
 * <p>Two ways in: right after a commit, the committing code hands over the saga ids ({@link
 * #submit} from a web request, {@link #publishNow} from the reply consumer, which must know the
 * commands are out before it commits its offsets); and a poll every {@code
 * sec.outbox.poll-interval} picks up rows that a crash or a failed send left. Rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED}, so two relays never send one row at the same time; a send
 * repeated after a crash is harmless because participants deduplicate by (saga, step, phase).
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

  /**
   * Publishes the pending rows of these sagas in the calling thread and returns once the broker
   * acknowledged them (or the sends failed; failed rows stay for the poll).
   */
  public void publishNow(Collection<UUID> sagaIds) {
    if (!sagaIds.isEmpty()) {
      tx.executeWithoutResult(status -> send(outbox.claimForSagas(sagaIds, clock.instant())));
    }
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
              List<OutboxRow> rows =
                  outbox.claimOldest(properties.outbox().batchSize(), clock.instant());
              return new Pass(rows.size(), send(rows));
            });
    return pass == null ? new Pass(0, 0) : pass;
  }

  /** Sends the rows; deletes the acknowledged ones, backs the failed ones off; returns sent. */
  private int send(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return 0;
    }
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
    producer.flush();
    List<Long> done = new ArrayList<>(rows.size());
    List<Long> failed = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      try {
        futures.get(i).get(30, TimeUnit.SECONDS);
        done.add(rows.get(i).id());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        sendFailures.increment();
        failed.add(rows.get(i).id());
        log.warn(
            "Send of outbox row "
                + rows.get(i).id()
                + " to "
                + rows.get(i).topic()
                + " failed; the poll retries it after a back-off: "
                + e);
      }
    }
    outbox.delete(done);
    outbox.backOff(failed, clock.instant(), properties.outbox().pollInterval(), MAX_BACK_OFF);
    published.increment(done.size());
    return done.size();
  }

  private void loop() {
    long nextPoll = System.nanoTime();
    long pollNanos = properties.outbox().pollInterval().toNanos();
    while (running) {
      try {
        UUID first =
            submitted.poll(properties.outbox().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
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
      t.interrupt();
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
