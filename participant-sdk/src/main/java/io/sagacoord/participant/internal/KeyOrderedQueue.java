package io.sagacoord.participant.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one consumer, waiting in one lane per key (the saga id). A lane is in at most one
 * handler's batch at a time and gives its records in the order they were read, so the commands of
 * one saga run one after the other while lanes of different sagas run on different handler threads.
 *
 * <p>A handler that asks for work ({@link #take}) takes every lane that is ready, up to the batch's
 * most records, and handles them in one transaction. A batch costs a commit, a few inbox statements
 * and one produce round trip whatever its size, so taking all that waits keeps the cost of a
 * command low at every load: when idle, a command arrives alone and is handled at once on its own;
 * under load, what arrived while the handlers were busy forms the next batch by itself, and no
 * handler ever waits for a batch to fill. Concurrency comes from the records that arrive while a
 * handler is busy: the next idle handler takes those, so a slow command holds no saga that arrives
 * after its batch was taken. The records taken into the same batch share its transaction (and its
 * step locks), so they wait for it; the handler's batch budget bounds that, committing what it
 * handled and giving the rest back to the queue once a batch has run longer than the budget.
 *
 * <p>A lane given back with a delay (its handler asked to run again later) keeps its records and is
 * not ready until the delay passed.
 */
final class KeyOrderedQueue {

  /** The records of one key and whether a handler holds the key. */
  static final class Lane {
    final String key;
    private final ArrayDeque<PolledRecord> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean ready;
    private boolean delayed;
    private long dueNanos;

    private Lane(String key) {
      this.key = key;
    }
  }

  /** What one handler took: the lanes it holds and their records, in the order to handle them. */
  record Batch(List<Lane> lanes, List<PolledRecord> records) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readyOrClosed = lock.newCondition();
  private final Condition released = lock.newCondition();
  private final Map<String, Lane> lanes = new HashMap<>();
  private final ArrayDeque<Lane> ready = new ArrayDeque<>();
  private final PriorityQueue<Lane> delayed =
      new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos - b.dueNanos, 0));
  private final Map<TopicPartition, Integer> inHand = new HashMap<>();
  private boolean closed;

  /** Queues a record behind the other records of its key. */
  void add(PolledRecord record) {
    addAll(List.of(record));
  }

  /**
   * Queues records (those of one poll, in the order read), each behind the other records of its
   * key; they become ready together, so a handler that takes them finds them all.
   */
  void addAll(List<PolledRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    lock.lock();
    try {
      boolean anyReady = false;
      for (PolledRecord record : records) {
        Lane lane = lanes.computeIfAbsent(record.key(), Lane::new);
        lane.waiting.add(record);
        anyReady |= markReady(lane);
      }
      if (anyReady) {
        // one handler takes them all; it wakes the next if some are left
        readyOrClosed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Puts {@code lane} in the ready queue if it has records and is free; true if it did. */
  private boolean markReady(Lane lane) {
    if (!lane.busy && !lane.ready && !lane.delayed && !lane.waiting.isEmpty()) {
      lane.ready = true;
      ready.add(lane);
      return true;
    }
    return false;
  }

  /**
   * Waits for ready lanes and takes them, oldest ready first, with all their waiting records,
   * stopping once {@code maxRecords} are taken (a lane is taken whole, so the last one may bring
   * the batch past it). The lanes left ready are for the next idle handler. Null once the queue is
   * closed.
   */
  Batch take(int maxRecords) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!closed && readyAfterDelays()) {
        if (delayed.isEmpty()) {
          readyOrClosed.await();
        } else {
          readyOrClosed.awaitNanos(delayed.peek().dueNanos - System.nanoTime());
        }
      }
      if (closed) {
        return null;
      }
      List<Lane> taken = new ArrayList<>(ready.size());
      List<PolledRecord> records = new ArrayList<>();
      while (!ready.isEmpty() && records.size() < maxRecords) {
        Lane lane = ready.poll();
        lane.ready = false;
        lane.busy = true;
        taken.add(lane);
        while (!lane.waiting.isEmpty()) {
          PolledRecord record = lane.waiting.poll();
          records.add(record);
          inHand.merge(record.partition().partition, 1, Integer::sum);
        }
      }
      if (!ready.isEmpty()) {
        // the rest is for the next idle handler
        readyOrClosed.signal();
      }
      return new Batch(taken, records);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes the delayed lanes whose delay passed ready; true while no lane is ready (the caller
   * waits).
   */
  private boolean readyAfterDelays() {
    long now = System.nanoTime();
    while (!delayed.isEmpty() && delayed.peek().dueNanos - now <= 0) {
      Lane lane = delayed.poll();
      lane.delayed = false;
      if (lanes.get(lane.key) == lane) {
        markReady(lane);
      }
    }
    return ready.isEmpty();
  }

  /**
   * Gives the lanes of {@code batch} back. {@code unhandled} (records of the batch that were not
   * handled, in their order) go back to the front of their lanes, unless their partition was taken
   * away meanwhile or the queue is closed.
   */
  void release(Batch batch, List<PolledRecord> unhandled) {
    release(batch, unhandled, Map.of());
  }

  /**
   * Like {@link #release(Batch, List)}; the lanes named in {@code delays} become ready again only
   * once their delay has passed.
   */
  void release(Batch batch, List<PolledRecord> unhandled, Map<String, Duration> delays) {
    lock.lock();
    try {
      for (PolledRecord record : batch.records()) {
        inHand.computeIfPresent(record.partition().partition, (p, n) -> n == 1 ? null : n - 1);
      }
      if (!closed) {
        for (int i = unhandled.size() - 1; i >= 0; i--) {
          PolledRecord record = unhandled.get(i);
          if (!record.partition().isRevoked()) {
            lanes.computeIfAbsent(record.key(), Lane::new).waiting.addFirst(record);
          }
        }
      }
      for (Lane lane : batch.lanes()) {
        lane.busy = false;
        Lane current = lanes.get(lane.key);
        if (current != lane) {
          continue;
        }
        if (lane.waiting.isEmpty() || closed) {
          lanes.remove(lane.key);
        } else if (delays.containsKey(lane.key)) {
          lane.delayed = true;
          lane.dueNanos = System.nanoTime() + delays.get(lane.key).toNanos();
          delayed.add(lane);
          // a handler waiting for work must learn of the new due time
          readyOrClosed.signal();
        } else if (markReady(lane)) {
          readyOrClosed.signal();
        }
      }
      released.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Drops the waiting records of {@code partitions}; those in a handler's hands stay there. */
  void drop(Collection<TopicPartition> partitions) {
    Set<TopicPartition> gone = Set.copyOf(partitions);
    lock.lock();
    try {
      Iterator<Lane> it = lanes.values().iterator();
      while (it.hasNext()) {
        Lane lane = it.next();
        lane.waiting.removeIf(r -> gone.contains(r.partition().partition));
        if (lane.waiting.isEmpty() && !lane.busy) {
          it.remove();
        }
      }
      ready.removeIf(
          lane -> {
            if (lane.waiting.isEmpty()) {
              lane.ready = false;
              return true;
            }
            return false;
          });
      delayed.removeIf(lane -> lanes.get(lane.key) != lane);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until no handler holds a record of {@code partitions}; false when {@code timeoutNanos}
   * passed first.
   */
  boolean awaitReleased(Collection<TopicPartition> partitions, long timeoutNanos)
      throws InterruptedException {
    lock.lock();
    try {
      long left = timeoutNanos;
      while (partitions.stream().anyMatch(inHand::containsKey)) {
        if (left <= 0) {
          return false;
        }
        left = released.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Whether some handler holds records. */
  boolean anyInHand() {
    lock.lock();
    try {
      return !inHand.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Drops every waiting record and wakes the handlers waiting in {@link #take} to end. */
  void close() {
    lock.lock();
    try {
      closed = true;
      ready.clear();
      delayed.clear();
      lanes.values().removeIf(lane -> !lane.busy);
      lanes.values().forEach(lane -> lane.waiting.clear());
      readyOrClosed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeout} until no handler holds records. */
  boolean awaitAllReleased(long timeout, TimeUnit unit) throws InterruptedException {
    lock.lock();
    try {
      long left = unit.toNanos(timeout);
      while (!inHand.isEmpty()) {
        if (left <= 0) {
          return false;
        }
        left = released.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
