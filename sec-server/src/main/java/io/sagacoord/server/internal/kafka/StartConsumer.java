package io.sagacoord.server.internal.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.opentelemetry.context.Scope;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.ParticipantUnavailableException;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.UnknownSagaTypeException;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.inbound.InboundMessage;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.start.CoordinatorService;
import io.sagacoord.server.internal.start.StartAdmission;
import io.sagacoord.server.internal.start.StartBatcher;
import io.sagacoord.server.internal.start.StartMessage;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts sagas from the start topic ({@code sec.kafka.start-topic}): one message per start, the
 * saga type and idempotency key in headers, the saga data as the JSON value (see {@code
 * docs/protocol.md}). A poll's starts join the start batcher's group commit; the offsets are
 * committed once every start of the poll is committed or quarantined. A message that cannot start a
 * saga (missing header, unknown type, data that does not fit, a key reused with other data) is
 * quarantined with its reason and counted; it never stops the consumer. A database or broker
 * failure reads the poll again; the idempotency keys make that harmless.
 */
@Component
public class StartConsumer extends WorkerLoop {

  private static final Log log = LogFactory.getLog(StartConsumer.class);

  private final SecProperties properties;
  private final CoordinatorService coordinator;
  private final StartBatcher batcher;
  private final StartAdmission admission;
  private final QuarantineDao quarantine;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final Counter started;
  private final Counter quarantined;
  private volatile KafkaConsumer<String, byte[]> consumer;
  // confined to the consumer thread
  private final PendingOffsets offsets = new PendingOffsets();

  private final SagaTracing tracing;

  public StartConsumer(
      SecProperties properties,
      CoordinatorService coordinator,
      StartBatcher batcher,
      QuarantineDao quarantine,
      TransactionTemplate tx,
      Clock clock,
      MeterRegistry meters,
      SagaTracing tracing,
      StartAdmission admission) {
    // phase 200: stops before the start batcher (150) it feeds
    super("sec-start-consumer", "Start consumer", 200, Duration.ofSeconds(1));
    this.admission = admission;
    this.tracing = tracing;
    this.properties = properties;
    this.coordinator = coordinator;
    this.batcher = batcher;
    this.quarantine = quarantine;
    this.tx = tx;
    this.clock = clock;
    this.started =
        Counter.builder("sec.starts.kafka.accepted")
            .description("start messages taken from the start topic")
            .baseUnit(BaseUnits.MESSAGES)
            .register(meters);
    this.quarantined =
        Counter.builder("sec.starts.kafka.quarantined")
            .description("start messages that could not be used and were quarantined")
            .baseUnit(BaseUnits.MESSAGES)
            .register(meters);
  }

  @Override
  protected boolean enabled() {
    return properties.kafka().startConsumer();
  }

  @Override
  protected void starting() {
    consumer = new KafkaConsumer<>(KafkaClients.startConsumer(properties));
  }

  @Override
  protected void open(int worker) {
    KafkaConsumer<String, byte[]> c = consumer;
    c.subscribe(
        List.of(properties.kafka().startTopic()),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            offsets.commitBeforeRevocation(c);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        });
  }

  /**
   * Polls once and starts what it read. A failed poll or batch is retried after the back-off, the
   * batch read again from its first record.
   */
  @Override
  protected void pass(int worker) throws InterruptedException, TimeoutException {
    pollOnce(consumer);
  }

  @Override
  protected void close(int worker) {
    KafkaConsumer<String, byte[]> c = consumer;
    try {
      // close() waits for this commit
      offsets.commit(c);
      c.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      log.debug("Closing the start consumer failed", e);
    }
  }

  @Override
  protected void stopping() {
    consumer.wakeup();
  }

  /** Ends a wait for room in a full start queue. */
  @Override
  protected boolean interruptOnStop() {
    return true;
  }

  private void pollOnce(KafkaConsumer<String, byte[]> c)
      throws InterruptedException, TimeoutException {
    // the replies of running sagas first: while they are far behind, starts wait on their topic
    if (admission.startsWait()) {
      c.pause(c.assignment());
    } else if (!c.paused().isEmpty()) {
      c.resume(c.paused());
    }
    ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
    if (records.isEmpty()) {
      offsets.commit(c);
      return;
    }
    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
    records.forEach(batch::add);
    try {
      Map<ConsumerRecord<String, byte[]>, String> rejected = new LinkedHashMap<>();
      Map<ConsumerRecord<String, byte[]>, CompletableFuture<StartResult>> pending =
          new LinkedHashMap<>();
      for (ConsumerRecord<String, byte[]> record : batch) {
        try {
          pending.put(record, batcher.enqueue(prepare(record)));
        } catch (UnknownSagaTypeException
            | InvalidStartDataException
            | ParticipantUnavailableException
            | IllegalArgumentException e) {
          rejected.put(record, e.getMessage());
        }
      }
      long deadline = System.nanoTime() + properties.starts().timeout().toNanos();
      for (Map.Entry<ConsumerRecord<String, byte[]>, CompletableFuture<StartResult>> e :
          pending.entrySet()) {
        try {
          e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException failed) {
          if (failed.getCause() instanceof IdempotencyKeyConflictException conflict) {
            rejected.put(e.getKey(), conflict.getMessage());
          } else if (failed.getCause() instanceof DataIntegrityViolationException bad) {
            // this start alone failed to be stored (the batcher wrote it on its own)
            rejected.put(e.getKey(), "the start cannot be stored: " + bad.getMostSpecificCause());
          } else {
            // not the message's fault (database down, coordinator stopping): read it again
            throw new IllegalStateException("start failed", failed.getCause());
          }
        } catch (TimeoutException late) {
          throw new TimeoutException(
              "starts not committed within sec.starts.timeout ("
                  + properties.starts().timeout()
                  + ")");
        }
      }
      quarantineAll(rejected);
      started.increment(pending.size() - countRejected(rejected, pending));
      offsets.processed(c, ReplyConsumer.nextOffsets(batch));
    } catch (WakeupException | InterruptedException e) {
      throw e;
    } catch (RuntimeException | TimeoutException e) {
      // read the batch again after the back-off
      try {
        ReplyConsumer.rewind(c, batch);
      } catch (RuntimeException re) {
        e.addSuppressed(re);
      }
      throw e;
    }
  }

  private static long countRejected(
      Map<ConsumerRecord<String, byte[]>, String> rejected,
      Map<ConsumerRecord<String, byte[]>, CompletableFuture<StartResult>> pending) {
    return rejected.keySet().stream().filter(pending::containsKey).count();
  }

  private StartBatcher.Job prepare(ConsumerRecord<String, byte[]> record) {
    InboundMessage message = Records.inbound(record);
    StartMessage m = StartMessage.parse(message, properties.kafka().maxReplyBytes());
    // the saga's trace continues the one in the record's traceparent
    try (Scope caller = tracing.fromTraceparent(message.header(SagaHeaders.TRACEPARENT))) {
      return coordinator.prepare(m.sagaType(), m.idempotencyKey(), m.dataJson());
    }
  }

  private void quarantineAll(Map<ConsumerRecord<String, byte[]>, String> rejected) {
    if (rejected.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    tx.executeWithoutResult(
        status -> {
          for (Map.Entry<ConsumerRecord<String, byte[]>, String> e : rejected.entrySet()) {
            ConsumerRecord<String, byte[]> r = e.getKey();
            log.warn(
                "Quarantined start message at "
                    + r.topic()
                    + "-"
                    + r.partition()
                    + "@"
                    + r.offset()
                    + ": "
                    + e.getValue());
            quarantine.insert(
                e.getValue(),
                null,
                r.topic(),
                r.partition(),
                r.offset(),
                Records.inbound(r).headers(),
                r.value(),
                now);
          }
        });
    quarantined.increment(rejected.size());
  }
}
