package io.sagacoord.participant.internal;

import io.sagacoord.participant.TransactionRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One consumer and its handler threads. The consumer thread polls, reads each record (a command or
 * poison) and queues it in the lane of its saga ({@link KeyOrderedQueue}); it commits, per
 * partition, the offset of the first record not yet done, and never more. An idle handler thread
 * takes every ready lane, handles those records in one transaction, commits, publishes the replies
 * and marks the records done; what arrives meanwhile goes to the next idle handler. So the commands
 * of one saga run in order, different sagas run side by side, and a slow handler delays only its
 * own saga (and those taken into its own batch, up to the batch budget). Anything that goes wrong
 * before a record is done makes it be handled again; the inbox turns the second handling into the
 * stored outcome.
 *
 * <p>The loop ends only when {@link #stop()} is called: a failing poll is logged and retried after
 * the failure back-off, and a consumer that Kafka will not take back (a fenced static member) is
 * closed and replaced by a new one from the factory. When partitions are revoked, their waiting
 * records are dropped and the records in a handler's hands are waited for (up to the drain timeout)
 * before the offsets are committed; what is still in hand then is left to finish, and its offsets
 * are not committed.
 */
public final class ConsumerWorker implements Runnable {
  private static final System.Logger LOG = System.getLogger(ConsumerWorker.class.getName());

  /**
   * The most records one batch (one transaction) takes. Each command runs under a savepoint of its
   * own, which becomes a subtransaction with a transaction id of its own once the handler writes.
   * PostgreSQL keeps 64 of those per transaction in shared memory; past that the transaction's
   * subtransactions "overflow", and while it runs every snapshot taken in the whole server, by any
   * session of any service, looks transaction ids up in {@code pg_subtrans} instead, which slows
   * every query of the database. A batch stays below that, with room for savepoints that handlers
   * take themselves; a larger backlog is taken by the next batches.
   */
  static final int MAX_BATCH_RECORDS = 48;

  /** Offsets are committed at most this often while records keep coming, at once when idle. */
  static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

  private final String participant;
  private final String threadName;
  private final Supplier<Consumer<String, byte[]>> consumers;
  private final CommandRecordParser parser;
  private final String commandTopic;
  private final Duration pollTimeout;
  private final Duration failureBackoff;
  private final int concurrency;
  private final int maxBatchRecords;
  private final int maxOpenRecords;
  private final Duration drainTimeout;
  private final Counters counters;
  private final KeyOrderedQueue queue;
  private final BatchHandler batches;
  private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
  private final List<Thread> handlers = new ArrayList<>();
  private final AtomicBoolean wakeWhenReleased = new AtomicBoolean();
  private volatile Consumer<String, byte[]> consumer;
  private volatile boolean running = true;
  private volatile boolean closing;
  // confined to the consumer thread
  private long lastCommit = System.nanoTime();

  /**
   * @param threadName the consumer thread's name; handler threads append {@code -handler-<n>}
   * @param consumers makes a new consumer, at start and after one was fenced
   * @param batchBudget how long a batch may run before it commits what it handled and gives the
   *     rest back to the queue
   * @param concurrency handler threads: how many batches (so sagas) are handled at once
   * @param maxBatchRecords the most records one poll brings; one batch takes at most this many, and
   *     never more than {@link #MAX_BATCH_RECORDS}
   * @param drainTimeout how long a revocation and {@link #stop()} wait for records in hand
   */
  public ConsumerWorker(
      String participant,
      String threadName,
      Supplier<Consumer<String, byte[]>> consumers,
      Producer<String, byte[]> producer,
      TransactionRunner transactions,
      CommandRecordParser parser,
      CommandProcessor processor,
      String commandTopic,
      String deadLetterTopic,
      Duration pollTimeout,
      Duration failureBackoff,
      Duration batchBudget,
      int concurrency,
      int maxBatchRecords,
      Duration drainTimeout,
      Counters counters) {
    this.participant = participant;
    this.threadName = threadName;
    this.consumers = consumers;
    this.parser = parser;
    this.commandTopic = commandTopic;
    this.pollTimeout = pollTimeout;
    this.failureBackoff = failureBackoff;
    this.concurrency = concurrency;
    this.maxBatchRecords = Math.min(maxBatchRecords, MAX_BATCH_RECORDS);
    // what the consumer reads ahead of its handlers: more than two polls' worth pauses the
    // partitions until the handlers catch up
    this.maxOpenRecords = Math.max(2 * maxBatchRecords, concurrency);
    this.drainTimeout = drainTimeout;
    this.counters = counters;
    this.queue = new KeyOrderedQueue();
    this.batches =
        new BatchHandler(
            participant,
            producer,
            transactions,
            processor,
            deadLetterTopic,
            batchBudget,
            failureBackoff,
            counters);
  }

  @Override
  public void run() {
    for (int i = 0; i < concurrency; i++) {
      Thread handler = new Thread(this::handleLanes, threadName + "-handler-" + i);
      handlers.add(handler);
      handler.start();
    }
    try {
      while (running) {
        boolean backOff = false;
        try {
          Consumer<String, byte[]> current = currentConsumer();
          holdBackIfBehind(current);
          ConsumerRecords<String, byte[]> records = current.poll(pollTimeout);
          List<PolledRecord> polled = new ArrayList<>(records.count());
          for (ConsumerRecord<String, byte[]> record : records) {
            polled.add(read(record));
          }
          queue.addAll(polled);
          commitDone(current, records.isEmpty());
        } catch (WakeupException e) {
          // a handler made room (or stop() was called): poll again at once
        } catch (InterruptException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (FencedInstanceIdException
            | UnreleasedInstanceIdException
            | GroupMaxSizeReachedException
            | IllegalStateException e) {
          // fatal for this consumer instance only: a new one may join again
          counters.consumerRestarts.incrementAndGet();
          LOG.log(
              System.Logger.Level.WARNING,
              "participant " + participant + ": consumer unusable, closing it and starting anew",
              e);
          closeConsumer();
          backOff = true;
        } catch (RuntimeException e) {
          // a broker hiccup, a missing authorisation, a deleted topic: try again later
          counters.pollFailures.incrementAndGet();
          LOG.log(
              System.Logger.Level.WARNING,
              "participant " + participant + ": poll failed, trying again after " + failureBackoff,
              e);
          backOff = true;
        }
        if (backOff && running && !pause()) {
          return;
        }
      }
    } catch (Error e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "participant " + participant + ": consumer thread stopped by an unexpected error",
          e);
      throw e;
    } finally {
      shutDown();
    }
  }

  /** Asks the loop to end; the consumer is woken so a blocked poll returns at once. */
  public void stop() {
    running = false;
    Consumer<String, byte[]> current = consumer;
    if (current != null) {
      current.wakeup();
    }
  }

  private PolledRecord read(ConsumerRecord<String, byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionProgress partition = progress.computeIfAbsent(tp, PartitionProgress::new);
    partition.read(record.offset());
    try {
      InboundCommand command = parser.parse(record.key(), record.headers(), record.value());
      return new PolledRecord(record, command, null, command.sagaId().toString(), partition);
    } catch (PoisonRecordException e) {
      // keyed like its neighbours when it has a key; a record without one waits for nobody
      String key = record.key() != null ? record.key() : tp + "@" + record.offset();
      return new PolledRecord(record, null, e.getMessage(), key, partition);
    }
  }

  /**
   * Pauses every assigned partition while more records are read and not done than the handlers can
   * take in two batches, and resumes them once half of that is done; the consumer keeps polling
   * meanwhile, so it keeps its partitions however long a handler runs.
   */
  private void holdBackIfBehind(Consumer<String, byte[]> current) {
    int open = 0;
    for (PartitionProgress partition : progress.values()) {
      open += partition.open();
    }
    if (open >= maxOpenRecords) {
      current.pause(current.assignment());
      wakeWhenReleased.set(true);
    } else if (!current.paused().isEmpty() && open <= maxOpenRecords / 2) {
      current.resume(current.paused());
      wakeWhenReleased.set(false);
    }
  }

  /**
   * Commits, per partition, the offset of the first record not done: at most every {@link
   * #COMMIT_INTERVAL} while records keep coming, at once after an empty poll. A failed commit is
   * covered by a later one; what a crash leaves uncommitted is read again and answered from the
   * inbox.
   */
  private void commitDone(Consumer<String, byte[]> current, boolean idle) {
    if (!idle && System.nanoTime() - lastCommit < COMMIT_INTERVAL.toNanos()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = toCommit(progress.keySet());
    lastCommit = System.nanoTime();
    if (offsets.isEmpty()) {
      return;
    }
    current.commitAsync(
        offsets,
        (committed, e) -> {
          if (e != null) {
            LOG.log(
                System.Logger.Level.DEBUG,
                "committing offsets " + committed + " failed; a later commit covers them",
                e);
          }
        });
  }

  private Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      PartitionProgress partition = progress.get(tp);
      long offset = partition == null ? -1 : partition.toCommit();
      if (offset >= 0) {
        offsets.put(tp, new OffsetAndMetadata(offset));
        partition.committed(offset);
      }
    }
    return offsets;
  }

  private Consumer<String, byte[]> currentConsumer() {
    Consumer<String, byte[]> current = consumer;
    if (current == null) {
      current = consumers.get();
      consumer = current;
      Consumer<String, byte[]> subscribed = current;
      current.subscribe(
          List.of(commandTopic),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              handOver(subscribed, partitions, true);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
              // another consumer owns them already: a commit would fail, and waiting helps nobody
              handOver(subscribed, partitions, false);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              LOG.log(
                  System.Logger.Level.INFO,
                  "participant {0}: {1} assigned {2}",
                  participant,
                  threadName,
                  partitions);
              for (TopicPartition tp : partitions) {
                // a partition kept across the rebalance keeps its progress
                progress.computeIfAbsent(tp, PartitionProgress::new);
              }
            }
          });
    }
    return current;
  }

  /**
   * Gives partitions up: drops their waiting records, waits (up to the drain timeout, and not while
   * closing after it passed) for the records of theirs that handlers hold, then commits (when
   * {@code commit}) up to the first record not done, so a late commit never moves a partition's
   * offset back under its next owner. Records still in hand after that finish on their own, their
   * offsets uncommitted: the next owner reads them again and, waiting on the inbox's step lock,
   * answers them from the inbox.
   */
  private void handOver(
      Consumer<String, byte[]> current, Collection<TopicPartition> partitions, boolean commit) {
    List<TopicPartition> ours = partitions.stream().filter(progress::containsKey).toList();
    if (ours.isEmpty()) {
      return;
    }
    queue.drop(ours);
    if (commit && !closing) {
      try {
        if (!queue.awaitReleased(ours, drainTimeout.toNanos())) {
          LOG.log(
              System.Logger.Level.WARNING,
              "participant {0}: partitions {1} revoked with commands still in hand after {2};"
                  + " those stay uncommitted and are read again by the next owner",
              participant,
              ours,
              drainTimeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = commit ? toCommit(ours) : Map.of();
    for (TopicPartition tp : ours) {
      PartitionProgress gone = progress.remove(tp);
      if (gone != null) {
        gone.revoke();
      }
    }
    if (!offsets.isEmpty()) {
      try {
        current.commitSync(offsets);
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "committing offsets before a revocation failed; they are read again",
            e);
      }
    }
  }

  /** Closes the consumer (its partitions handed over first); the handlers go on. */
  private void closeConsumer() {
    Consumer<String, byte[]> current = consumer;
    consumer = null;
    if (current != null) {
      try {
        handOver(current, List.copyOf(progress.keySet()), true);
        current.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING, "participant " + participant + ": closing consumer", e);
      }
    }
  }

  /**
   * Stops: waiting records are dropped, the batches in hand get the drain timeout to finish, then
   * their handlers are interrupted (their transactions roll back, their records stay uncommitted);
   * the offsets of what is done are committed and the consumer is closed.
   */
  private void shutDown() {
    queue.close();
    boolean interrupted = Thread.interrupted();
    try {
      if (!queue.awaitAllReleased(drainTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "participant {0}: commands still in hand after {1}; interrupting their handlers, they"
                + " are read again at the next start",
            participant,
            drainTimeout);
        handlers.forEach(Thread::interrupt);
        queue.awaitAllReleased(5, TimeUnit.SECONDS);
      }
      for (Thread handler : handlers) {
        handler.join(Duration.ofSeconds(5).toMillis());
      }
    } catch (InterruptedException e) {
      interrupted = true;
      handlers.forEach(Thread::interrupt);
    }
    closing = true;
    Consumer<String, byte[]> current = consumer;
    consumer = null;
    if (current != null) {
      try {
        Map<TopicPartition, OffsetAndMetadata> offsets = toCommit(progress.keySet());
        if (!offsets.isEmpty()) {
          try {
            current.commitSync(offsets, Duration.ofSeconds(5));
          } catch (WakeupException e) {
            // a handler's wake-up meant for the poll
            current.commitSync(offsets, Duration.ofSeconds(5));
          }
        }
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "participant " + participant + ": last commit failed; the records are read again",
            e);
      }
      try {
        current.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING, "participant " + participant + ": closing consumer", e);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps the failure back-off; false when interrupted (the thread then ends). */
  private boolean pause() {
    try {
      Thread.sleep(failureBackoff.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A handler thread: takes lanes, handles their records, gives the lanes back. */
  private void handleLanes() {
    try {
      while (true) {
        KeyOrderedQueue.Batch batch = queue.take(maxBatchRecords);
        if (batch == null) {
          return;
        }
        Map<String, Duration> deferred = new HashMap<>();
        List<PolledRecord> unhandled = batch.records();
        try {
          unhandled = batches.handle(batch.records(), deferred);
        } finally {
          queue.release(batch, unhandled, deferred);
          if (wakeWhenReleased.compareAndSet(true, false)) {
            Consumer<String, byte[]> current = consumer;
            if (current != null) {
              current.wakeup();
            }
          }
        }
      }
    } catch (InterruptedException e) {
      // stopping: the batch in hand was rolled back and is read again at the next start
    } catch (RuntimeException | Error e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "participant " + participant + ": handler thread stopped by an unexpected error",
          e);
      stop();
    }
  }
}
