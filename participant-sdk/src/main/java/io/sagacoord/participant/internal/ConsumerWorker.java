package io.sagacoord.participant.internal;

import io.sagacoord.participant.TransactionRunner;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One consumer thread: poll a batch, handle it in one transaction, commit, publish the replies,
 * then commit the offsets. Anything that goes wrong before the offsets are committed makes the
 * batch be read again; the inbox turns the second reading into stored outcomes.
 *
 * <p>The loop ends only when {@link #stop()} is called: a failing poll is logged and retried after
 * the failure back-off, and a consumer that Kafka will not take back (a fenced static member) is
 * closed and replaced by a new one from the factory.
 */
public final class ConsumerWorker implements Runnable {
  private static final System.Logger LOG = System.getLogger(ConsumerWorker.class.getName());

  private final String participant;
  private final Supplier<Consumer<String, byte[]>> consumers;
  private final Producer<String, byte[]> producer;
  private final TransactionRunner transactions;
  private final CommandRecordParser parser;
  private final CommandProcessor processor;
  private final String commandTopic;
  private final String deadLetterTopic;
  private final Duration pollTimeout;
  private final Duration failureBackoff;
  // of the current consumer; confined to this worker's thread
  private final PendingOffsets offsets = new PendingOffsets();
  private final long batchBudgetNanos;
  private final Counters counters;
  private volatile Consumer<String, byte[]> consumer;
  private volatile boolean running = true;

  /**
   * @param consumers makes a new consumer, at start and after one was fenced
   * @param batchBudget how long a batch may take new records before the rest is left for the next
   *     poll; below {@code max.poll.interval.ms}, so a slow batch never loses its partitions
   */
  public ConsumerWorker(
      String participant,
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
      Counters counters) {
    this.participant = participant;
    this.consumers = consumers;
    this.producer = producer;
    this.transactions = transactions;
    this.parser = parser;
    this.processor = processor;
    this.commandTopic = commandTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.pollTimeout = pollTimeout;
    this.failureBackoff = failureBackoff;
    this.batchBudgetNanos = batchBudget.toNanos();
    this.counters = counters;
  }

  @Override
  public void run() {
    try {
      while (running) {
        boolean backOff = false;
        try {
          Consumer<String, byte[]> current = currentConsumer();
          ConsumerRecords<String, byte[]> records = current.poll(pollTimeout);
          if (!records.isEmpty()) {
            handleBatch(current, records);
          } else {
            offsets.commit(current);
          }
        } catch (WakeupException e) {
          if (running) {
            LOG.log(
                System.Logger.Level.WARNING, "participant " + participant + ": unexpected wakeup");
          }
        } catch (InterruptedException | InterruptException e) {
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
      closeConsumer();
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
              offsets.commitBeforeRevocation(subscribed);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
          });
    }
    return current;
  }

  private void closeConsumer() {
    Consumer<String, byte[]> current = consumer;
    consumer = null;
    if (current != null) {
      try {
        // close() waits for this commit
        offsets.commit(current);
        current.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING, "participant " + participant + ": closing consumer", e);
      }
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

  /** A record of the batch, read: either a command or the reason it is poison. */
  private record Entry(
      ConsumerRecord<String, byte[]> record, InboundCommand command, String poison) {}

  private void handleBatch(
      Consumer<String, byte[]> current, ConsumerRecords<String, byte[]> records)
      throws InterruptedException {
    long started = System.nanoTime();
    List<Entry> entries = new ArrayList<>(records.count());
    boolean anyCommand = false;
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        entries.add(
            new Entry(record, parser.parse(record.key(), record.headers(), record.value()), null));
        anyCommand = true;
      } catch (PoisonRecordException e) {
        entries.add(new Entry(record, null, e.getMessage()));
      }
    }
    int[] taken = {entries.size()};
    try {
      List<ProducerRecord<String, byte[]>> outgoing;
      if (anyCommand) {
        outgoing =
            transactions.inTransaction(
                tx -> {
                  List<ProducerRecord<String, byte[]>> out = new ArrayList<>(entries.size());
                  List<InboundCommand> commands = new ArrayList<>(entries.size());
                  for (Entry entry : entries) {
                    if (entry.command() != null) {
                      commands.add(entry.command());
                    }
                  }
                  CommandProcessor.Prefetched prefetched = processor.prefetch(tx, commands);
                  int n = 0;
                  for (Entry entry : entries) {
                    // past the budget the rest waits for the next poll: a batch that outlives
                    // max.poll.interval.ms loses its partitions to another consumer
                    if (n > 0 && System.nanoTime() - started > batchBudgetNanos) {
                      break;
                    }
                    out.add(
                        entry.command() == null
                            ? deadLetter(entry.record(), entry.poison())
                            : processor.process(tx, entry.command(), prefetched));
                    n++;
                  }
                  processor.flush(tx, prefetched);
                  taken[0] = n;
                  return out;
                });
        CrashPoints.reached(CrashPoints.AFTER_COMMIT_BEFORE_PUBLISH);
      } else {
        outgoing = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
          outgoing.add(deadLetter(entry.record(), entry.poison()));
        }
      }
      List<ConsumerRecord<String, byte[]>> done = new ArrayList<>(taken[0]);
      for (int i = 0; i < taken[0]; i++) {
        done.add(entries.get(i).record());
      }
      publish(outgoing);
      offsets.processed(current, nextOffsets(done));
      if (taken[0] < entries.size()) {
        counters.batchesCutShort.incrementAndGet();
        LOG.log(
            System.Logger.Level.INFO,
            "participant {0}: batch cut short after {1} of {2} records, the rest on the next poll",
            participant,
            taken[0],
            entries.size());
        List<ConsumerRecord<String, byte[]>> rest = new ArrayList<>(entries.size() - taken[0]);
        for (int i = taken[0]; i < entries.size(); i++) {
          rest.add(entries.get(i).record());
        }
        rewind(current, rest);
      }
    } catch (InterruptedException e) {
      throw e;
    } catch (WakeupException e) {
      throw e;
    } catch (Exception e) {
      counters.failedBatches.incrementAndGet();
      LOG.log(
          System.Logger.Level.WARNING,
          "participant "
              + participant
              + ": batch of "
              + records.count()
              + " records failed, reading it again",
          e);
      List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(entries.size());
      entries.forEach(entry -> all.add(entry.record()));
      rewind(current, all);
      Thread.sleep(failureBackoff.toMillis());
    }
  }

  private void publish(List<ProducerRecord<String, byte[]>> outgoing) throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>(outgoing.size());
    for (ProducerRecord<String, byte[]> record : outgoing) {
      sent.add(producer.send(record));
    }
    producer.flush();
    for (int i = 0; i < sent.size(); i++) {
      sent.get(i).get();
      if (outgoing.get(i).topic().equals(deadLetterTopic)) {
        counters.poisonRecords.incrementAndGet();
      } else {
        counters.repliesSent.incrementAndGet();
      }
    }
  }

  private ProducerRecord<String, byte[]> deadLetter(
      ConsumerRecord<String, byte[]> record, String reason) {
    LOG.log(
        System.Logger.Level.WARNING,
        "participant {0}: quarantined record {1}-{2}@{3} to {4}: {5}",
        participant,
        record.topic(),
        record.partition(),
        record.offset(),
        deadLetterTopic,
        reason);
    List<Header> headers = new ArrayList<>();
    for (Header header : record.headers()) {
      headers.add(header);
    }
    headers.add(header(SagaHeaders.DLQ_REASON, reason));
    headers.add(header(SagaHeaders.DLQ_SOURCE_TOPIC, record.topic()));
    headers.add(header(SagaHeaders.DLQ_SOURCE_PARTITION, Integer.toString(record.partition())));
    headers.add(header(SagaHeaders.DLQ_SOURCE_OFFSET, Long.toString(record.offset())));
    return new ProducerRecord<>(deadLetterTopic, null, record.key(), record.value(), headers);
  }

  private static Header header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      // records of one partition come in offset order: the last one wins
      offsets.put(
          new TopicPartition(record.topic(), record.partition()),
          new OffsetAndMetadata(record.offset() + 1));
    }
    return offsets;
  }

  /** Seeks each partition back to the first of {@code records} it holds. */
  private static void rewind(
      Consumer<String, byte[]> current, List<ConsumerRecord<String, byte[]>> records) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      first.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
    }
    for (Map.Entry<TopicPartition, Long> partition : first.entrySet()) {
      try {
        current.seek(partition.getKey(), partition.getValue());
      } catch (IllegalStateException notAssignedAnyMore) {
        // revoked meanwhile: its new owner reads from the last committed offset anyway
      }
    }
  }
}
