package io.sagacoord.participant;

import io.sagacoord.participant.internal.CommandProcessor;
import io.sagacoord.participant.internal.CommandRecordParser;
import io.sagacoord.participant.internal.CommandTracing;
import io.sagacoord.participant.internal.ConsumerWorker;
import io.sagacoord.participant.internal.Counters;
import io.sagacoord.participant.internal.InboxRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The consumer threads of a participant, each a {@link ConsumerWorker} with its own consumer in the
 * group and its own handler threads; all share one parser, one command processor (inbox, handlers,
 * tracing) and the producer of the replies.
 */
final class ConsumerThreads {
  private final List<ConsumerWorker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  ConsumerThreads(
      ParticipantSettings settings,
      InboxRepository inbox,
      Producer<String, byte[]> producer,
      Counters counters) {
    CommandRecordParser parser = new CommandRecordParser(settings.registrations(), settings.json());
    CommandProcessor processor =
        new CommandProcessor(
            settings.name(),
            inbox,
            settings.json(),
            settings.clock(),
            settings.retry(),
            counters,
            CommandTracing.of(settings.openTelemetry(), settings.name()));
    for (int i = 0; i < settings.consumerThreads(); i++) {
      Map<String, Object> config = KafkaSetup.consumerConfig(settings, i);
      String threadName = "saga-" + settings.name() + "-consumer-" + i;
      workers.add(
          new ConsumerWorker(
              settings.name(),
              threadName,
              () -> new KafkaConsumer<>(config),
              producer,
              settings.transactions(),
              parser,
              processor,
              settings.commandTopic(),
              settings.deadLetterTopic(),
              settings.pollTimeout(),
              settings.failureBackoff(),
              settings.batchBudget(),
              settings.concurrency(),
              settings.maxPollRecords(),
              settings.drainTimeout(),
              counters));
      threads.add(new Thread(workers.get(i), threadName));
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /** True while every consumer thread runs. */
  boolean allAlive() {
    return threads.stream().allMatch(Thread::isAlive);
  }

  /**
   * Asks every worker to stop and waits up to {@code joinMillis} for each thread; an interrupt of
   * the caller ends the wait (and stays set).
   */
  void stop(long joinMillis) {
    workers.forEach(ConsumerWorker::stop);
    for (Thread thread : threads) {
      try {
        thread.join(joinMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
