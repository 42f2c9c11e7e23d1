package io.sagacoord.server.internal.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.kafka.OutboxRelay;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.persistence.OutboxDao;
import io.sagacoord.server.internal.persistence.OutboxRow;
import io.sagacoord.server.internal.persistence.SagaInstanceDao;
import io.sagacoord.server.internal.persistence.SagaLogDao;
import io.sagacoord.server.internal.persistence.StartRequestDao;
import io.sagacoord.server.internal.persistence.TimerDao;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit for starts. A caller prepares its start (the engine is pure, so that happens in the
 * caller's thread), queues it and waits; writer threads take whatever is queued, up to {@code
 * sec.starts.batch-size}, and write it in one transaction with one JDBC batch per statement kind:
 * the idempotency keys, the instances, the log rows, the timers and the outbox rows. After the
 * commit the callers get their answer and the relay publishes the first commands.
 *
 * <p>The queue is bounded ({@code sec.starts.max-pending}): beyond it a start is refused at once
 * with {@link CoordinatorBusyException}. Under overload the coordinator therefore keeps its
 * connections and CPU for the replies of the sagas already running, and clients are told to come
 * back, instead of every start waiting longer and longer while nothing completes.
 *
 * <p>If a batch fails as a whole (one bad row aborts the transaction), its starts are written again
 * one per transaction, so the failure stays with the start that caused it.
 */
@Component
public class StartBatcher implements SmartLifecycle {

  private static final Log log = LogFactory.getLog(StartBatcher.class);
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /** A start the engine has already computed; only its writes remain. */
  public record Job(
      String sagaType,
      String idempotencyKey,
      String requestHash,
      UUID sagaId,
      Transition transition,
      String eventJson,
      Instant now,
      CompletableFuture<StartResult> result) {}

  private record Key(String sagaType, String idempotencyKey) {}

  // the order in which keys are inserted: two writers inserting overlapping keys never deadlock
  private static final Comparator<Key> KEY_ORDER =
      Comparator.comparing(Key::sagaType).thenComparing(Key::idempotencyKey);

  private final SecProperties.Starts settings;
  private final TransitionWriter writer;
  private final StartRequestDao startRequests;
  private final SagaInstanceDao instances;
  private final SagaLogDao sagaLog;
  private final TimerDao timers;
  private final OutboxDao outbox;
  private final OutboxRelay relay;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final ArrayBlockingQueue<Job> queue;
  private final Counter refused;
  private final DistributionSummary batchSizes;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  public StartBatcher(
      SecProperties properties,
      TransitionWriter writer,
      StartRequestDao startRequests,
      SagaInstanceDao instances,
      SagaLogDao sagaLog,
      TimerDao timers,
      OutboxDao outbox,
      OutboxRelay relay,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      MeterRegistry meters) {
    this.settings = properties.starts();
    this.writer = writer;
    this.startRequests = startRequests;
    this.instances = instances;
    this.sagaLog = sagaLog;
    this.timers = timers;
    this.outbox = outbox;
    this.relay = relay;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.queue = new ArrayBlockingQueue<>(settings.maxPending());
    this.refused = meters.counter("sec.starts.refused");
    this.batchSizes = meters.summary("sec.starts.batch.size");
    Gauge.builder("sec.starts.pending", queue, ArrayBlockingQueue::size)
        .description("starts waiting to be written")
        .register(meters);
  }

  /**
   * Queues the start and waits until it is committed (or refused, or the wait timed out).
   *
   * @throws CoordinatorBusyException if the queue is full, the coordinator is stopping, or the
   *     commit was not confirmed within {@code sec.starts.timeout}
   */
  public StartResult submit(Job job) {
    if (!running) {
      throw new CoordinatorBusyException("the coordinator is not accepting starts", RETRY_AFTER);
    }
    if (!queue.offer(job)) {
      refused.increment();
      throw new CoordinatorBusyException(
          settings.maxPending() + " starts are already waiting to be written; try again later",
          RETRY_AFTER);
    }
    try {
      return job.result().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("start failed", cause);
    } catch (TimeoutException e) {
      throw new CoordinatorBusyException(
          "the start was not confirmed within "
              + settings.timeout()
              + "; it may still be committed: retry with the same idempotency key",
          RETRY_AFTER);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinatorBusyException(
          "interrupted while waiting for the start to be committed; retry with the same"
              + " idempotency key",
          RETRY_AFTER);
    }
  }

  /**
   * Queues the start without waiting for its commit (the start consumer waits for a whole poll at
   * once); blocks while the queue is full, at most {@code sec.starts.timeout}.
   *
   * @return the job's future, completed after the commit
   * @throws CoordinatorBusyException if the queue stayed full or the coordinator is stopping
   */
  public CompletableFuture<StartResult> enqueue(Job job) throws InterruptedException {
    if (!running || !queue.offer(job, settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
      throw new CoordinatorBusyException("the start queue stayed full", RETRY_AFTER);
    }
    return job.result();
  }

  private void loop() {
    List<Job> batch = new ArrayList<>(settings.batchSize());
    while (running || !queue.isEmpty()) {
      try {
        Job first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, settings.batchSize() - 1);
        write(batch);
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } catch (Throwable e) {
        // write() completes every job itself; this is a bug or an Error: fail what is left
        Failures.rethrowIfFatal(e);
        log.error("Writing a batch of starts failed", e);
        batch.forEach(job -> job.result().completeExceptionally(e));
      } finally {
        batch.clear();
      }
    }
    // stopping: whatever is still queued is refused, never left waiting
    Job left;
    while ((left = queue.poll()) != null) {
      left.result()
          .completeExceptionally(
              new CoordinatorBusyException("the coordinator is stopping", RETRY_AFTER));
    }
  }

  /** What one start came to: a result or an exception for its caller. */
  private record Outcome(StartResult result, RuntimeException error) {}

  /** Writes the batch and completes every job's future (outcomes are keyed by the new saga id). */
  void write(List<Job> batch) {
    // the same key twice in one batch: the first decides, the others follow it
    Map<Key, Job> leaders = new TreeMap<>(KEY_ORDER);
    List<Job> followers = new ArrayList<>();
    for (Job job : batch) {
      if (leaders.putIfAbsent(new Key(job.sagaType(), job.idempotencyKey()), job) != null) {
        followers.add(job);
      }
    }
    List<Job> ordered = List.copyOf(leaders.values());
    Map<UUID, Outcome> outcomes;
    // the outbox rows of committed transactions only: the relay sends them from memory
    List<OutboxRow> commands = new ArrayList<>();
    try {
      List<OutboxRow> written = new ArrayList<>();
      outcomes = tx.execute(status -> writeInTransaction(ordered, written));
      commands.addAll(written);
    } catch (RuntimeException e) {
      log.warn(
          "Writing " + ordered.size() + " starts in one transaction failed; writing one by one", e);
      outcomes = oneByOne(ordered, commands);
    }
    // rare (a client retrying at once): after the first committed, each in its own transaction
    outcomes.putAll(oneByOne(followers, commands));
    batchSizes.record(batch.size());
    if (!commands.isEmpty()) {
      crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
      relay.handOver(commands);
    }
    for (Job job : batch) {
      complete(job, outcomes.get(job.sagaId()));
    }
  }

  private Map<UUID, Outcome> oneByOne(List<Job> jobs, List<OutboxRow> commands) {
    Map<UUID, Outcome> outcomes = new LinkedHashMap<>();
    for (Job job : jobs) {
      try {
        List<OutboxRow> written = new ArrayList<>();
        outcomes.putAll(tx.execute(status -> writeInTransaction(List.of(job), written)));
        commands.addAll(written);
      } catch (RuntimeException e) {
        outcomes.put(job.sagaId(), new Outcome(null, e));
      }
    }
    return outcomes;
  }

  private static void complete(Job job, Outcome outcome) {
    if (outcome.error() != null) {
      job.result().completeExceptionally(outcome.error());
    } else {
      job.result().complete(outcome.result());
    }
  }

  /** Writes the starts; adds the outbox rows it inserted to {@code commands}. */
  private Map<UUID, Outcome> writeInTransaction(List<Job> jobs, List<OutboxRow> commands) {
    Set<UUID> inserted =
        startRequests.insertAllIfAbsent(
            jobs.stream()
                .map(
                    j ->
                        new StartRequestDao.NewStart(
                            j.sagaType(), j.idempotencyKey(), j.requestHash(), j.sagaId(), j.now()))
                .toList());
    Map<UUID, Outcome> outcomes = new LinkedHashMap<>();
    WriteBatch batch = new WriteBatch();
    for (Job job : jobs) {
      if (inserted.contains(job.sagaId())) {
        writer.write(null, job.transition(), job.eventJson(), job.now(), null, batch);
        outcomes.put(job.sagaId(), new Outcome(new StartResult(job.sagaId(), true), null));
      } else {
        // the key was there before: the same saga if the body is the same, else a conflict
        StartRequestDao.StartRequest existing =
            startRequests.find(job.sagaType(), job.idempotencyKey()).orElseThrow();
        outcomes.put(
            job.sagaId(),
            existing.requestHash().equals(job.requestHash())
                ? new Outcome(new StartResult(existing.sagaId(), false), null)
                : new Outcome(
                    null,
                    new IdempotencyKeyConflictException(
                        job.sagaType(), job.idempotencyKey(), existing.sagaId())));
      }
    }
    commands.addAll(batch.flush(instances, sagaLog, timers, outbox));
    return outcomes;
  }

  @Override
  public void start() {
    running = true;
    for (int i = 0; i < settings.writers(); i++) {
      Thread t = new Thread(this::loop, "sec-start-writer-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  @Override
  public void stop() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    threads.clear();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Starts after the relay it hands commands to and stops before it. */
  @Override
  public int getPhase() {
    return 150;
  }
}
