package io.sagacoord.participant.internal;

import io.sagacoord.participant.RetryLater;
import io.sagacoord.participant.TransactionRunner;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * What a handler thread of a {@link ConsumerWorker} does with one batch of its lanes: handles the
 * commands in one transaction of the service's database, sends poison records to the dead-letter
 * topic, publishes the replies, and marks the records done.
 *
 * <p>A batch that has run longer than its budget takes no further record: it commits what it
 * handled, publishes those replies and gives the rest back to the queue, where an idle handler
 * takes it at once. A slow command therefore holds the records behind it in its batch for its own
 * run and no longer, and a long backlog of slow-ish commands spreads over the handler threads
 * instead of running one after the other in one transaction. The records handled before the slow
 * command wait for its commit: they share the transaction and its step locks, and nothing can be
 * published before the commit. The budget is far longer than a batch's fixed cost (a commit and a
 * produce round trip, about a millisecond), so cutting costs fast commands almost nothing.
 */
final class BatchHandler {

  private static final System.Logger LOG = System.getLogger(ConsumerWorker.class.getName());

  private final String participant;
  private final Producer<String, byte[]> producer;
  private final TransactionRunner transactions;
  private final CommandProcessor processor;
  private final String deadLetterTopic;
  private final long batchBudgetNanos;
  private final Duration failureBackoff;
  private final Counters counters;

  BatchHandler(
      String participant,
      Producer<String, byte[]> producer,
      TransactionRunner transactions,
      CommandProcessor processor,
      String deadLetterTopic,
      Duration batchBudget,
      Duration failureBackoff,
      Counters counters) {
    this.participant = participant;
    this.producer = producer;
    this.transactions = transactions;
    this.processor = processor;
    this.deadLetterTopic = deadLetterTopic;
    this.batchBudgetNanos = batchBudget.toNanos();
    this.failureBackoff = failureBackoff;
    this.counters = counters;
  }

  /**
   * Handles records in one transaction, publishes the replies, marks the records done; returns the
   * records not handled, in their order: those of a lane whose handler asked to run again later
   * ({@link RetryLater}; the lane and its delay are put into {@code deferred}), the rest after the
   * batch budget, or all of them after a failure (which is followed by the failure back-off).
   */
  List<PolledRecord> handle(List<PolledRecord> entries, Map<String, Duration> deferred)
      throws InterruptedException {
    long started = System.nanoTime();
    boolean anyCommand = false;
    for (PolledRecord entry : entries) {
      anyCommand |= entry.command() != null;
    }
    List<PolledRecord> handled = new ArrayList<>(entries.size());
    List<PolledRecord> unhandled = new ArrayList<>();
    boolean[] cutShort = {false};
    try {
      List<ProducerRecord<String, byte[]>> outgoing;
      if (anyCommand) {
        outgoing =
            transactions.inTransaction(
                tx -> {
                  handled.clear();
                  unhandled.clear();
                  deferred.clear();
                  cutShort[0] = false;
                  List<ProducerRecord<String, byte[]>> out = new ArrayList<>(entries.size());
                  List<InboundCommand> commands = new ArrayList<>(entries.size());
                  for (PolledRecord entry : entries) {
                    if (entry.command() != null) {
                      commands.add(entry.command());
                    }
                  }
                  CommandProcessor.Prefetched prefetched = processor.prefetch(tx, commands);
                  for (PolledRecord entry : entries) {
                    // past the budget the rest goes back to the queue, for an idle handler: a long
                    // transaction holds its locks, and its records wait for its commit
                    if (cutShort[0]
                        || (!handled.isEmpty() && System.nanoTime() - started > batchBudgetNanos)) {
                      cutShort[0] = true;
                      unhandled.add(entry);
                      continue;
                    }
                    if (deferred.containsKey(entry.key())) {
                      // behind a deferred command of its saga: keeps its place in the lane
                      unhandled.add(entry);
                      continue;
                    }
                    try {
                      out.add(
                          entry.command() == null
                              ? deadLetter(entry.record(), entry.poison())
                              : processor.process(tx, entry.command(), prefetched));
                      handled.add(entry);
                    } catch (RetryLater later) {
                      deferred.put(entry.key(), later.delay());
                      unhandled.add(entry);
                      LOG.log(
                          System.Logger.Level.DEBUG,
                          "participant {0}: saga {1} step {2} deferred for {3}: {4}",
                          participant,
                          entry.command().sagaId(),
                          entry.command().step(),
                          later.delay(),
                          later.getMessage());
                    }
                  }
                  processor.flush(tx, prefetched);
                  return out;
                });
        counters.transactions.incrementAndGet();
        CrashPoints.reached(CrashPoints.AFTER_COMMIT_BEFORE_PUBLISH);
      } else {
        outgoing = new ArrayList<>(entries.size());
        for (PolledRecord entry : entries) {
          outgoing.add(deadLetter(entry.record(), entry.poison()));
        }
        handled.addAll(entries);
      }
      publish(outgoing);
      for (PolledRecord entry : handled) {
        entry.partition().done(entry.record().offset());
      }
      if (cutShort[0]) {
        counters.batchesCutShort.incrementAndGet();
        LOG.log(
            System.Logger.Level.DEBUG,
            "participant {0}: batch cut short after {1} of {2} records, the rest back in the queue",
            participant,
            handled.size(),
            entries.size());
      }
      return List.copyOf(unhandled);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      deferred.clear();
      counters.failedBatches.incrementAndGet();
      LOG.log(
          System.Logger.Level.WARNING,
          "participant "
              + participant
              + ": batch of "
              + entries.size()
              + " records failed, handling it again",
          e);
      // the lanes stay taken meanwhile, so the sagas' later commands wait their turn
      Thread.sleep(failureBackoff.toMillis());
      return entries;
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
}
