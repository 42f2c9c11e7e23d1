package io.sagacoord.participant.internal;

import io.sagacoord.participant.TransactionRunner;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One consumer thread: poll a batch, handle it in one transaction, commit, publish the replies,
 * then commit the offsets. Anything that goes wrong before the offsets are committed makes the
 * batch be read again; the inbox turns the second reading into stored outcomes.
 */
public final class ConsumerWorker implements Runnable {
  private static final System.Logger LOG = System.getLogger(ConsumerWorker.class.getName());

  private final String participant;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final TransactionRunner transactions;
  private final CommandRecordParser parser;
  private final CommandProcessor processor;
  private final String commandTopic;
  private final String deadLetterTopic;
  private final Duration pollTimeout;
  private final Duration failureBackoff;
  private final Counters counters;
  private volatile boolean running = true;

  public ConsumerWorker(
      String participant,
      KafkaConsumer<String, byte[]> consumer,
      Producer<String, byte[]> producer,
      TransactionRunner transactions,
      CommandRecordParser parser,
      CommandProcessor processor,
      String commandTopic,
      String deadLetterTopic,
      Duration pollTimeout,
      Duration failureBackoff,
      Counters counters) {
    this.participant = participant;
    this.consumer = consumer;
    this.producer = producer;
    this.transactions = transactions;
    this.parser = parser;
    this.processor = processor;
    this.commandTopic = commandTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.pollTimeout = pollTimeout;
    this.failureBackoff = failureBackoff;
    this.counters = counters;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(commandTopic));
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
        if (!records.isEmpty()) {
          handleBatch(records);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        LOG.log(System.Logger.Level.ERROR, "participant " + participant + ": unexpected wakeup", e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "participant " + participant + ": consumer thread stopped by an unexpected error",
          e);
      throw e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Asks the loop to end; the consumer is woken so a blocked poll returns at once. */
  public void stop() {
    running = false;
    consumer.wakeup();
  }

  private void handleBatch(ConsumerRecords<String, byte[]> records) throws InterruptedException {
    List<ProducerRecord<String, byte[]>> outgoing = new ArrayList<>(records.count());
    List<InboundCommand> commands = new ArrayList<>(records.count());
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        commands.add(parser.parse(record.key(), record.headers(), record.value()));
      } catch (PoisonRecordException e) {
        outgoing.add(deadLetter(record, e.getMessage()));
      }
    }
    try {
      if (!commands.isEmpty()) {
        List<ProducerRecord<String, byte[]>> replies =
            transactions.inTransaction(
                tx -> {
                  List<ProducerRecord<String, byte[]>> out = new ArrayList<>(commands.size());
                  for (InboundCommand command : commands) {
                    out.add(processor.process(tx, command));
                  }
                  return out;
                });
        CrashPoints.reached(CrashPoints.AFTER_COMMIT_BEFORE_PUBLISH);
        outgoing.addAll(replies);
      }
      publish(outgoing);
      consumer.commitSync(nextOffsets(records));
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
      rewind(records);
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
      ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<String, byte[]>> list = records.records(partition);
      offsets.put(partition, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  private void rewind(ConsumerRecords<String, byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      try {
        consumer.seek(partition, records.records(partition).get(0).offset());
      } catch (IllegalStateException notAssignedAnyMore) {
        // revoked meanwhile: its new owner reads from the last committed offset anyway
      }
    }
  }
}
