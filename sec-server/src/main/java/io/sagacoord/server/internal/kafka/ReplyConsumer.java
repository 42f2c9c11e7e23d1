package io.sagacoord.server.internal.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.reply.ReplyProcessor;
import io.sagacoord.server.internal.start.ReplyBacklog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.springframework.stereotype.Component;

/**
 * Reads the reply topic in batches. Per batch: the processor applies it in one database transaction
 * and commits; then the new commands are published; only then are the offsets committed. A crash
 * anywhere in between replays the batch, and the engine ignores what it has already seen (same
 * attempt, command no longer outstanding). After each poll whose records are applied it tells the
 * {@link ReplyWatermark} how far each of its partitions is applied.
 */
@Component
public class ReplyConsumer extends WorkerLoop implements ReplyBacklog {

  private static final Log log = LogFactory.getLog(ReplyConsumer.class);

  private final SecProperties properties;
  private final ReplyProcessor processor;
  private final OutboxRelay relay;
  private final CrashPoints crashPoints;
  private final ReplyWatermark watermark;
  private final List<Worker> workers = new CopyOnWriteArrayList<>();

  /**
   * What one consumer thread owns: its own KafkaConsumer (a member of the group with its own
   * partitions, so two workers never hold the same saga's replies) and its own offsets.
   */
  private final class Worker {
    final KafkaConsumer<String, byte[]> consumer;
    final PendingOffsets offsets = new PendingOffsets();

    /** Replies on this worker's partitions past its position, as of its last poll. */
    volatile long lag;

    Worker(int index) {
      this.consumer = new KafkaConsumer<>(KafkaClients.consumer(properties, index));
    }
  }

  public ReplyConsumer(
      SecProperties properties,
      ReplyProcessor processor,
      OutboxRelay relay,
      CrashPoints crashPoints,
      ReplyWatermark watermark,
      MeterRegistry meters) {
    super(
        "sec-reply-consumer",
        properties.kafka().consumers(),
        "Reply consumer",
        200,
        Duration.ofSeconds(1));
    this.properties = properties;
    this.processor = processor;
    this.relay = relay;
    this.crashPoints = crashPoints;
    this.watermark = watermark;
    Gauge.builder("sec.replies.lag", this, ReplyConsumer::repliesWaiting)
        .description(
            "replies on the reply topic's partitions of this coordinator not yet read (Kafka's"
                + " consumer lag, as of each consumer's last poll)")
        .baseUnit("replies")
        .register(meters);
  }

  @Override
  public long repliesWaiting() {
    long sum = 0;
    for (Worker w : workers) {
      sum += w.lag;
    }
    return sum;
  }

  @Override
  protected void starting() {
    for (int i = 0; i < properties.kafka().consumers(); i++) {
      workers.add(new Worker(i));
    }
  }

  @Override
  protected void open(int worker) {
    Worker w = workers.get(worker);
    KafkaConsumer<String, byte[]> c = w.consumer;
    c.subscribe(
        List.of(properties.kafka().replyTopic()),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            watermark.released(partitions);
            w.offsets.commitBeforeRevocation(c);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // how far they are applied is told after the first poll that reads them
          }
        });
  }

  /**
   * Polls and applies one batch. A failed poll (a broker restart, say) or batch (the database
   * transaction did not commit, or the commit of offsets failed) is retried after the back-off; a
   * failed batch is read again from its first record, and the engine ignores whatever of it was
   * already applied.
   */
  @Override
  protected void pass(int worker) {
    pollOnce(workers.get(worker));
  }

  @Override
  protected void close(int worker) {
    Worker w = workers.get(worker);
    try {
      // close() waits for this commit
      w.offsets.commit(w.consumer);
      w.consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      log.debug("Closing the reply consumer failed", e);
    }
  }

  @Override
  protected void stopping() {
    workers.forEach(w -> w.consumer.wakeup());
  }

  @Override
  protected void stopped() {
    workers.clear();
  }

  private void pollOnce(Worker w) {
    KafkaConsumer<String, byte[]> c = w.consumer;
    ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
    if (records.isEmpty()) {
      w.offsets.commit(c);
      reportApplied(c);
      return;
    }
    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
    records.forEach(batch::add);
    try {
      ReplyProcessor.Outcome outcome =
          processor.process(batch.stream().map(Records::inbound).toList());
      crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
      if (outcome.compensating()) {
        crashPoints.pass(CrashPoints.MID_COMPENSATION);
      }
      // the rows are durable: the relay sends them in its own thread while this one moves on
      relay.handOver(new OutboxRelay.Commands(outcome.written(), outcome.sagasWithCommands()));
      crashPoints.pass(CrashPoints.AFTER_PUBLISH_BEFORE_OFFSET_COMMIT);
      w.offsets.processed(c, nextOffsets(batch));
      reportApplied(c);
    } catch (WakeupException e) {
      throw e;
    } catch (Throwable e) {
      // read the batch again after the back-off
      try {
        rewind(c, batch);
      } catch (RuntimeException re) {
        e.addSuppressed(re);
      }
      throw e;
    }
  }

  /**
   * Everything before each assigned partition's position has been returned by a poll of this thread
   * and applied (the batch committed), so the positions are how far the partitions are applied.
   */
  private void reportApplied(KafkaConsumer<String, byte[]> c) {
    long lag = 0;
    for (TopicPartition tp : c.assignment()) {
      lag += c.currentLag(tp).orElse(0);
    }
    for (Worker w : workers) {
      if (w.consumer == c) {
        w.lag = lag;
      }
    }
    for (TopicPartition tp : c.assignment()) {
      try {
        watermark.applied(tp, c.position(tp, Duration.ZERO));
      } catch (WakeupException e) {
        throw e;
      } catch (RuntimeException e) {
        // no position yet (not fetched): told after a later poll
      }
    }
  }

  static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
      List<ConsumerRecord<String, byte[]>> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : batch) {
      offsets.merge(
          new TopicPartition(r.topic(), r.partition()),
          new OffsetAndMetadata(r.offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /** Seeks back to the first record of the batch on every partition still assigned. */
  static void rewind(KafkaConsumer<String, byte[]> c, List<ConsumerRecord<String, byte[]>> batch) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : batch) {
      first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    first.forEach(
        (tp, offset) -> {
          if (c.assignment().contains(tp)) {
            c.seek(tp, offset);
          }
        });
  }
}
