package io.sagacoord.participant.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets a consumer thread has processed and not committed yet. They are committed
 * asynchronously, at most once per {@link #INTERVAL} while batches keep coming and at once when a
 * poll comes back empty: one commit request per batch would cost the broker more than the batches'
 * records. What a crash leaves uncommitted is read again and answered from the inbox with the
 * stored reply, never run twice. Confined to its consumer's thread.
 */
final class PendingOffsets {

  static final Duration INTERVAL = Duration.ofMillis(100);

  private static final System.Logger LOG = System.getLogger(PendingOffsets.class.getName());

  private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
  private long lastCommit = System.nanoTime();

  /** Records the offsets after a processed batch; commits if the interval has passed. */
  void processed(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((tp, o) -> pending.merge(tp, o, (a, b) -> a.offset() >= b.offset() ? a : b));
    if (System.nanoTime() - lastCommit >= INTERVAL.toNanos()) {
      commit(consumer);
    }
  }

  /**
   * Before partitions are taken away: commits what is pending and waits, so a late commit of this
   * consumer never moves a partition's offset back under its next owner.
   */
  void commitBeforeRevocation(Consumer<?, ?> consumer) {
    if (pending.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(new HashMap<>(pending));
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "committing offsets before a revocation failed; they are read again",
          e);
    }
    pending.clear();
    lastCommit = System.nanoTime();
  }

  /** Commits what is pending (the consumer is idle, or about to close). */
  void commit(Consumer<?, ?> consumer) {
    if (pending.isEmpty()) {
      return;
    }
    consumer.commitAsync(
        new HashMap<>(pending),
        (offsets, e) -> {
          if (e != null) {
            LOG.log(
                System.Logger.Level.DEBUG,
                "committing offsets " + offsets + " failed; a later commit covers them",
                e);
          }
        });
    pending.clear();
    lastCommit = System.nanoTime();
  }
}
