package io.sagacoord.server.internal.kafka;

import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.reply.AppliedReplies;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.springframework.stereotype.Component;

/**
 * How far reply intake has got, in time: {@link #awaitApplied} tells whether every reply appended
 * to the reply topic before an instant has been applied, by this coordinator or by any other of its
 * group. Timers ask it before they fire, so a reply that a participant appended before its
 * attempt's timeout or the saga's deadline is applied first, however long the coordinator was away
 * or behind: a crash or a backlog changes no outcome.
 *
 * <p>At instant {@code t} it reads the end offset of every reply partition; once each partition's
 * applied offset reaches its end, everything appended before {@code t} is applied. Partitions this
 * coordinator consumes count by what its consumers applied (in memory, fresh); the others by the
 * group's committed offsets (committed only after their batch's database commit).
 */
@Component
public class ReplyWatermark implements AppliedReplies {

  private static final Log log = LogFactory.getLog(ReplyWatermark.class);
  private static final long LOCAL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final long REMOTE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final SecProperties properties;
  private final Clock clock;
  private final Admin admin;

  /** Next offset to apply, per partition a consumer of this coordinator holds. */
  private final Map<TopicPartition, Long> applied = new ConcurrentHashMap<>();

  private volatile Instant confirmed = Instant.MIN;
  private volatile List<TopicPartition> partitions = List.of();

  /** Asks through {@code topics}' admin client, which {@link TopicAdmin} also closes. */
  public ReplyWatermark(SecProperties properties, Clock clock, TopicAdmin topics) {
    this.properties = properties;
    this.clock = clock;
    this.admin = topics.admin();
  }

  /** A consumer of this coordinator applied everything before this offset of {@code tp}. */
  void applied(TopicPartition tp, long next) {
    applied.merge(tp, next, Math::max);
  }

  /** A consumer of this coordinator no longer holds these partitions. */
  void released(Collection<TopicPartition> gone) {
    gone.forEach(applied::remove);
  }

  /**
   * Waits until every reply appended before {@code through} has been applied, at most {@code
   * maxWait}. Returns whether that is so; on false the caller decides (timers fire anyway and say
   * so). {@code through} must not lie ahead of the clock: only the past is confirmed.
   */
  @Override
  public boolean awaitApplied(Instant through, Duration maxWait) {
    if (!confirmed.isBefore(through)) {
      return true;
    }
    long deadline = System.nanoTime() + maxWait.toNanos();
    Instant asOf = clock.instant();
    Map<TopicPartition, Long> ends;
    try {
      ends = endOffsets();
    } catch (RuntimeException e) {
      log.debug("Reading the reply topic's end offsets failed: " + Failures.describe(e));
      return false;
    }
    long nextRemote = System.nanoTime();
    Map<TopicPartition, Long> committed = Map.of();
    while (true) {
      boolean remoteNeeded = false;
      boolean done = true;
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        if (end.getValue() == 0) {
          continue;
        }
        Long local = applied.get(end.getKey());
        long reached = local != null ? local : committed.getOrDefault(end.getKey(), -1L);
        if (reached < end.getValue()) {
          done = false;
          remoteNeeded |= local == null;
        }
      }
      if (done) {
        confirm(asOf);
        return true;
      }
      long now = System.nanoTime();
      if (now - deadline >= 0 || Thread.currentThread().isInterrupted()) {
        return false;
      }
      if (remoteNeeded && now - nextRemote >= 0) {
        try {
          committed = committedOffsets();
        } catch (RuntimeException e) {
          log.debug("Reading the reply group's offsets failed: " + Failures.describe(e));
        }
        nextRemote = System.nanoTime() + REMOTE_CHECK_NANOS;
        continue;
      }
      LockSupport.parkNanos(this, remoteNeeded ? REMOTE_CHECK_NANOS : LOCAL_CHECK_NANOS);
    }
  }

  private synchronized void confirm(Instant asOf) {
    if (asOf.isAfter(confirmed)) {
      confirmed = asOf;
    }
  }

  private Map<TopicPartition, Long> endOffsets() {
    if (partitions.isEmpty()) {
      String topic = properties.kafka().replyTopic();
      partitions =
          get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions().stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
        get(admin.listOffsets(latest).all());
    Map<TopicPartition, Long> ends = new HashMap<>();
    result.forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  private Map<TopicPartition, Long> committedOffsets() {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        get(
            admin
                .listConsumerGroupOffsets(properties.kafka().consumerGroup())
                .partitionsToOffsetAndMetadata());
    Map<TopicPartition, Long> committed = new HashMap<>();
    offsets.forEach(
        (tp, o) -> {
          if (o != null) {
            committed.put(tp, o.offset());
          }
        });
    return committed;
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException(Failures.describe(e), e);
    }
  }
}
