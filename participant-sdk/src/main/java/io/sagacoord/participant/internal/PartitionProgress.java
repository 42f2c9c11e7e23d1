package io.sagacoord.participant.internal;

import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records of one assigned partition are read and not yet done. The offset that may be
 * committed is the lowest one not done: a record still in a handler (or waiting behind another
 * command of its saga) holds the commit back, while later records of other sagas go on, so a crash
 * reads again only from the first record not done. One instance per assignment: after a revocation
 * the handlers still in hand mark their records done on an instance nobody commits. Shared by the
 * poll thread and the handler threads.
 */
final class PartitionProgress {
  final TopicPartition partition;
  private final TreeSet<Long> open = new TreeSet<>();
  private long next = -1;
  private long committed = -1;
  private volatile boolean revoked;

  PartitionProgress(TopicPartition partition) {
    this.partition = partition;
  }

  /** The poll thread read the record at {@code offset} (offsets come in increasing order). */
  synchronized void read(long offset) {
    open.add(offset);
    next = offset + 1;
  }

  /** The record at {@code offset} is answered (its reply acknowledged) or quarantined. */
  synchronized void done(long offset) {
    open.remove(offset);
  }

  /** The partition was taken away: nothing of this assignment is committed any more. */
  void revoke() {
    revoked = true;
  }

  boolean isRevoked() {
    return revoked;
  }

  /** Records read and not done. */
  synchronized int open() {
    return open.size();
  }

  /** The offset to commit when it moved since the last commit, else -1. */
  synchronized long toCommit() {
    if (next < 0) {
      return -1;
    }
    long offset = open.isEmpty() ? next : open.first();
    return offset > committed ? offset : -1;
  }

  /** {@code offset} was handed to the consumer for committing. */
  synchronized void committed(long offset) {
    committed = Math.max(committed, offset);
  }
}
