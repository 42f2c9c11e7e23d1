package io.sagacoord.server.internal.start;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.pipeline.EventJson;
import io.sagacoord.server.internal.pipeline.SagaLogReader;
import io.sagacoord.server.internal.pipeline.TransitionWriter;
import io.sagacoord.server.internal.pipeline.WriteBatch;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.TransitionBatchDao;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * Group commit for starts. A caller prepares its start (the engine is pure, so that happens in the
 * caller's thread), queues it and waits; writer threads take whatever is queued, up to {@code
 * sec.starts.batch-size}, and write it in one transaction with one statement: the instances, and
 * the log rows, the timers and the outbox rows of those that are new. After the commit the callers
 * get their answer and the relay publishes the first commands.
 *
 * <p>A saga's id is derived from its type and idempotency key ({@link SagaIds#ofStart}), so the
 * instance's primary key deduplicates starts: the instances are inserted sorted by id, with {@code
 * ON CONFLICT (id) DO NOTHING}, and only the new ones get the rest of their rows. A start whose
 * saga exists already is the same start if its data equals the data the saga was started with (its
 * first log row; JSON compared as trees, so formatting and key order do not matter), a conflict
 * otherwise.
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
public class StartBatcher extends WorkerLoop {

  private static final Log log = LogFactory.getLog(StartBatcher.class);
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  /** A start the engine has already computed; only its writes remain. */
  public record Job(
      String sagaType,
      String idempotencyKey,
      String dataJson,
      UUID sagaId,
      Transition transition,
      String eventJson,
      Instant now,
      Context caller,
      CompletableFuture<StartResult> result) {}

  // the order in which instances are inserted (PostgreSQL's order of uuid: unsigned bytes): two
  // writers inserting overlapping ids never deadlock
  static final Comparator<UUID> ID_ORDER =
      Comparator.comparing(UUID::getMostSignificantBits, Long::compareUnsigned)
          .thenComparing(UUID::getLeastSignificantBits, Long::compareUnsigned);

  private final SecProperties.Starts settings;
  private final TransitionWriter writer;
  private final SagaLogReader logReader;
  private final EventJson events;
  private final ObjectMapper json;
  private final TransitionBatchDao transitions;
  private final OutboxRelay relay;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final SagaTracing tracing;
  private final ArrayBlockingQueue<Job> queue;
  private final Counter refused;
  private final DistributionSummary batchSizes;

  public StartBatcher(
      SecProperties properties,
      TransitionWriter writer,
      SagaLogReader logReader,
      EventJson events,
      ObjectMapper json,
      TransitionBatchDao transitions,
      OutboxRelay relay,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      MeterRegistry meters,
      SagaTracing tracing) {
    // phase 150: starts after the relay it hands commands to, stops before it and after the start
    // consumer that feeds it
    super("sec-start-writer", properties.starts().writers(), "Start writer", 150, Duration.ZERO);
    this.tracing = tracing;
    this.settings = properties.starts();
    this.writer = writer;
    this.logReader = logReader;
    this.events = events;
    this.json = json;
    this.transitions = transitions;
    this.relay = relay;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.queue = new ArrayBlockingQueue<>(settings.maxPending());
    this.refused = refusedCounter(meters);
    this.batchSizes =
        DistributionSummary.builder("sec.starts.batch.size")
            .description("starts written together in one transaction")
            .baseUnit("starts")
            .register(meters);
    Gauge.builder("sec.starts.pending", queue, ArrayBlockingQueue::size)
        .description("starts waiting to be written")
        .baseUnit("starts")
        .register(meters);
  }

  /** Starts refused at once: too many waiting to be written, or too many replies waiting. */
  static Counter refusedCounter(MeterRegistry meters) {
    return Counter.builder("sec.starts.refused")
        .description(
            "starts refused with 503 because too many starts waited to be written or too many"
                + " replies of running sagas waited to be applied")
        .baseUnit("starts")
        .register(meters);
  }

  /**
   * Queues the start and waits until it is committed (or refused, or the wait timed out).
   *
   * @throws CoordinatorBusyException if the queue is full, the coordinator is stopping, or the
   *     commit was not confirmed within {@code sec.starts.timeout}
   */
  public StartResult submit(Job job) {
    if (!isRunning()) {
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
    if (!isRunning() || !queue.offer(job, settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
      throw new CoordinatorBusyException("the start queue stayed full", RETRY_AFTER);
    }
    return job.result();
  }

  /** Writes what is queued, up to a batch; once stopped, until the queue is empty. */
  @Override
  protected void pass(int writer) throws InterruptedException {
    Job first = queue.poll(200, TimeUnit.MILLISECONDS);
    if (first == null) {
      return;
    }
    List<Job> batch = new ArrayList<>(settings.batchSize());
    batch.add(first);
    queue.drainTo(batch, settings.batchSize() - 1);
    try {
      write(batch);
    } catch (Throwable e) {
      // write() completes every job itself; this is a bug or an Error: fail what is left
      Failures.rethrowIfFatal(e);
      batch.forEach(job -> job.result().completeExceptionally(e));
      throw e;
    }
  }

  @Override
  protected boolean workLeft() {
    return !queue.isEmpty();
  }

  /** Stopped: whatever is still queued is refused, never left waiting. */
  @Override
  protected void close(int writer) {
    Job left;
    while ((left = queue.poll()) != null) {
      left.result()
          .completeExceptionally(
              new CoordinatorBusyException("the coordinator is stopping", RETRY_AFTER));
    }
  }

  /** What one start came to: a result or an exception for its caller. */
  private record Outcome(StartResult result, RuntimeException error) {}

  /** Writes the batch and completes every job's future. */
  void write(List<Job> batch) {
    // the same key (so the same saga id) twice in one batch: the first decides, the others follow
    Map<UUID, Job> leaders = new TreeMap<>(ID_ORDER);
    List<Job> followers = new ArrayList<>();
    for (Job job : batch) {
      if (leaders.putIfAbsent(job.sagaId(), job) != null) {
        followers.add(job);
      }
    }
    List<Job> ordered = List.copyOf(leaders.values());
    Map<Job, Outcome> outcomes;
    // the outbox rows of committed transactions only: the relay sends them from memory
    List<OutboxRow> commands = new ArrayList<>();
    try {
      List<OutboxRow> written = new ArrayList<>();
      outcomes = tx.execute(status -> writeInTransaction(ordered, written));
      commands.addAll(written);
    } catch (RuntimeException e) {
      Failures.warnBriefly(
          log,
          "Writing " + ordered.size() + " starts in one transaction failed; writing one by one",
          e);
      outcomes = oneByOne(ordered, commands);
    }
    // rare (a client retrying at once): after the first committed, each in its own transaction
    outcomes.putAll(oneByOne(followers, commands));
    batchSizes.record(batch.size());
    if (!commands.isEmpty()) {
      crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
      relay.handOver(OutboxRelay.Commands.rows(commands));
    }
    for (Job job : batch) {
      complete(job, outcomes.get(job));
    }
  }

  private Map<Job, Outcome> oneByOne(List<Job> jobs, List<OutboxRow> commands) {
    Map<Job, Outcome> outcomes = new IdentityHashMap<>();
    for (Job job : jobs) {
      try {
        List<OutboxRow> written = new ArrayList<>();
        outcomes.putAll(tx.execute(status -> writeInTransaction(List.of(job), written)));
        commands.addAll(written);
      } catch (RuntimeException e) {
        outcomes.put(job, new Outcome(null, e));
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

  /**
   * Writes one start in the current transaction (the caller's); the caller publishes its commands
   * after the commit.
   *
   * @throws IdempotencyKeyConflictException if the key started a saga with other data
   */
  StartResult writeInCurrentTransaction(Job job) {
    Outcome outcome = writeInTransaction(List.of(job), new ArrayList<>()).get(job);
    if (outcome.error() != null) {
      throw outcome.error();
    }
    return outcome.result();
  }

  /**
   * Writes the starts (distinct saga ids, sorted by {@link #ID_ORDER}); adds the outbox rows it
   * inserted to {@code commands}.
   */
  private Map<Job, Outcome> writeInTransaction(List<Job> jobs, List<OutboxRow> commands) {
    Map<Job, Outcome> outcomes = new IdentityHashMap<>();
    // each start's rows apart too, so that only the starts whose saga is new count their metrics
    Map<UUID, WriteBatch> writes = new HashMap<>();
    WriteBatch all = new WriteBatch();
    Map<UUID, SpanContext> traces = new HashMap<>();
    for (Job job : jobs) {
      WriteBatch own = new WriteBatch();
      try (SagaTracing.Event traced =
          tracing.sagaStarted(job.sagaId(), job.sagaType(), job.caller())) {
        writer.write(null, job.transition(), job.eventJson(), job.now(), null, own);
        traces.put(job.sagaId(), traced.context());
      }
      writes.put(job.sagaId(), own);
      all.append(own);
    }
    TransitionBatchDao.Started started = all.flushStarts(transitions);
    Set<UUID> inserted = started.inserted();
    tracing.started(traces, inserted);
    for (Job job : jobs) {
      if (inserted.contains(job.sagaId())) {
        writes.get(job.sagaId()).runMetrics();
        outcomes.put(job, new Outcome(new StartResult(job.sagaId(), true), null));
      } else {
        // the key started this saga before: the same start if it came with the same data
        outcomes.put(job, earlier(job, sameAsStarted(job)));
      }
    }
    commands.addAll(started.outbox());
    return outcomes;
  }

  /** The outcome of a start whose saga exists already: the same start, or a key conflict. */
  private static Outcome earlier(Job job, boolean same) {
    return same
        ? new Outcome(new StartResult(job.sagaId(), false), null)
        : new Outcome(
            null,
            new IdempotencyKeyConflictException(
                job.sagaType(), job.idempotencyKey(), job.sagaId()));
  }

  /**
   * Whether the job's data equals the data its existing saga was started with (the saga's id is
   * derived from its type and key, so the type is the same). JSON trees compare objects without
   * regard to key order.
   */
  private boolean sameAsStarted(Job job) {
    LogRow first =
        logReader
            .first(job.sagaId())
            // the retention purge deleted the saga after this start's insert found it: a retry
            // starts it anew (REST: 503 with Retry-After)
            .orElseThrow(
                () ->
                    new CoordinatorBusyException(
                        "saga "
                            + job.sagaId()
                            + " of idempotency key '"
                            + job.idempotencyKey()
                            + "' was removed while it was started again; retry the start",
                        RETRY_AFTER));
    return json.readTree(events.startData(first.eventJson())).equals(json.readTree(job.dataJson()));
  }
}
