package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.ProtocolException;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import io.sagacoord.server.internal.kafka.ReplyProcessor;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.persistence.OutboxDao;
import io.sagacoord.server.internal.persistence.OutboxRow;
import io.sagacoord.server.internal.persistence.QuarantineDao;
import io.sagacoord.server.internal.persistence.SagaInstanceDao;
import io.sagacoord.server.internal.persistence.SagaLogDao;
import io.sagacoord.server.internal.persistence.SagaRow;
import io.sagacoord.server.internal.persistence.TimerDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * Applies a batch of replies in one transaction: the sagas concerned are locked in id order, the
 * replies are applied in memory and written with one JDBC batch per statement kind (if that fails,
 * the transaction is rolled back and each reply is applied again under its own savepoint), and
 * whatever cannot be parsed or matched is quarantined with its reason. Duplicates and stale
 * attempts (the engine says IGNORED) are counted and logged, not quarantined.
 */
@Component
public class ReplyHandler implements ReplyProcessor {

  private static final Log log = LogFactory.getLog(ReplyHandler.class);

  private final SagaLoader loader;
  private final SagaEngine engine;
  private final ParticipantCircuits circuits;
  private final TransitionWriter writer;
  private final SagaInstanceDao instances;
  private final QuarantineDao quarantine;
  private final SagaLogDao sagaLog;
  private final TimerDao timers;
  private final OutboxDao outbox;
  private final EventJson events;
  private final SecMetrics metrics;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final Clock clock;
  private final int maxReplyBytes;
  private final boolean batchWrites;

  public ReplyHandler(
      SagaLoader loader,
      SagaEngine engine,
      TransitionWriter writer,
      SagaInstanceDao instances,
      QuarantineDao quarantine,
      SagaLogDao sagaLog,
      TimerDao timers,
      OutboxDao outbox,
      EventJson events,
      SecMetrics metrics,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock,
      SecProperties properties,
      ParticipantCircuits circuits) {
    this.loader = loader;
    this.engine = engine;
    this.circuits = circuits;
    this.writer = writer;
    this.instances = instances;
    this.quarantine = quarantine;
    this.sagaLog = sagaLog;
    this.timers = timers;
    this.outbox = outbox;
    this.events = events;
    this.metrics = metrics;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
    this.maxReplyBytes = properties.kafka().maxReplyBytes();
    this.batchWrites = properties.kafka().batchWrites();
  }

  /** A reply that cannot be applied; quarantined with the reason. */
  private static final class Unmatched extends RuntimeException {
    Unmatched(String reason) {
      super(reason, null, false, false);
    }
  }

  @Override
  public Outcome process(List<ConsumerRecord<String, byte[]>> records) {
    if (batchWrites) {
      // the fast path has no savepoint: when it fails, its whole transaction is rolled back and
      // the batch is applied again one by one in a new one (rare; saves two round trips a batch)
      Outcome batched =
          tx.execute(
              status -> {
                Outcome o = processInTransaction(records, status, true);
                if (o == null) {
                  status.setRollbackOnly();
                }
                return o;
              });
      if (batched != null) {
        return batched;
      }
      metrics.batchFallback();
    }
    return tx.execute(status -> processInTransaction(records, status, false));
  }

  /** Applies the batch; null when {@code batched} and the fast path failed (roll back). */
  private Outcome processInTransaction(
      List<ConsumerRecord<String, byte[]>> records, TransactionStatus status, boolean batched) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    List<ParsedReply> parsed = new ArrayList<>(records.size());
    Set<UUID> ids = new HashSet<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        ParsedReply reply = ParsedReply.parse(record, maxReplyBytes, json);
        parsed.add(reply);
        ids.add(reply.sagaId());
      } catch (ProtocolException | IllegalArgumentException e) {
        parsed.add(null);
        quarantine(status, record, null, e.getMessage(), now);
      }
    }
    Map<UUID, SagaRow> locked = ids.isEmpty() ? Map.of() : instances.lock(ids);
    if (batched) {
      return processBatched(records, parsed, locked, status, now);
    }
    return processOneByOne(records, parsed, new LinkedHashMap<>(locked), status, now);
  }

  /** What {@link #apply} does besides writing: quarantines and meters, now or deferred. */
  private interface Effects {
    TransitionWriter.Sink sink();

    void quarantine(ConsumerRecord<String, byte[]> record, UUID sagaId, String reason);

    void metric(Runnable action);
  }

  private record Pending(ConsumerRecord<String, byte[]> record, UUID sagaId, String reason) {}

  /**
   * The fast path: every reply is applied in memory, then all writes go out with one JDBC batch per
   * statement kind. Returns null when a reply failed in an unexpected way or the batch write
   * failed; the caller then rolls the transaction back and applies the replies one by one in a new
   * one, each under its own savepoint, which keeps such a failure to its own saga.
   */
  private Outcome processBatched(
      List<ConsumerRecord<String, byte[]>> records,
      List<ParsedReply> parsed,
      Map<UUID, SagaRow> locked,
      TransactionStatus status,
      Instant now) {
    Map<UUID, SagaRow> rows = new HashMap<>(locked);
    WriteBatch batch = new WriteBatch();
    List<Pending> quarantines = new ArrayList<>();
    boolean compensating = false;
    for (int i = 0; i < records.size(); i++) {
      ParsedReply reply = parsed.get(i);
      if (reply == null) {
        continue;
      }
      ConsumerRecord<String, byte[]> record = records.get(i);
      // this reply's writes join the batch only if it applies without an exception
      WriteBatch one = new WriteBatch();
      List<Pending> itsQuarantines = new ArrayList<>();
      Effects deferred =
          new Effects() {
            @Override
            public TransitionWriter.Sink sink() {
              return one;
            }

            @Override
            public void quarantine(ConsumerRecord<String, byte[]> r, UUID sagaId, String reason) {
              itsQuarantines.add(new Pending(r, sagaId, reason));
            }

            @Override
            public void metric(Runnable action) {
              one.metric(action);
            }
          };
      try {
        TransitionWriter.Written written =
            apply(deferred, record, reply, rows.get(reply.sagaId()), now);
        batch.append(one);
        quarantines.addAll(itsQuarantines);
        if (written != null) {
          rows.put(reply.sagaId(), written.row());
          compensating |= written.sentCompensation();
        }
      } catch (Unmatched e) {
        quarantines.add(new Pending(record, reply.sagaId(), e.getMessage()));
      } catch (Throwable e) {
        Failures.rethrowIfFatal(e);
        log.warn(
            "Applying reply at " + position(record) + " failed; applying the batch reply by reply",
            e);
        return null;
      }
    }
    List<OutboxRow> commands = List.of();
    if (!batch.isEmpty()) {
      try {
        commands = batch.flush(instances, sagaLog, timers, outbox);
      } catch (RuntimeException e) {
        log.warn("Writing " + records.size() + " replies at once failed; applying one by one", e);
        return null;
      }
    }
    for (Pending q : quarantines) {
      quarantine(status, q.record(), q.sagaId(), q.reason(), now);
    }
    // the relay sends these from memory after the commit: nothing to claim
    return new Outcome(Set.of(), compensating, commands);
  }

  /** The fallback: each reply under its own savepoint, written at once. */
  private Outcome processOneByOne(
      List<ConsumerRecord<String, byte[]>> records,
      List<ParsedReply> parsed,
      Map<UUID, SagaRow> rows,
      TransactionStatus status,
      Instant now) {
    Effects immediate =
        new Effects() {
          @Override
          public TransitionWriter.Sink sink() {
            return writer.direct();
          }

          @Override
          public void quarantine(ConsumerRecord<String, byte[]> r, UUID sagaId, String reason) {
            ReplyHandler.this.quarantine(status, r, sagaId, reason, now);
          }

          @Override
          public void metric(Runnable action) {
            action.run();
          }
        };
    Set<UUID> withCommands = new LinkedHashSet<>();
    boolean compensating = false;
    for (int i = 0; i < records.size(); i++) {
      ParsedReply reply = parsed.get(i);
      if (reply == null) {
        continue;
      }
      ConsumerRecord<String, byte[]> record = records.get(i);
      Object savepoint = status.createSavepoint();
      try {
        TransitionWriter.Written written =
            apply(immediate, record, reply, rows.get(reply.sagaId()), now);
        status.releaseSavepoint(savepoint);
        if (written != null) {
          rows.put(reply.sagaId(), written.row());
          if (written.sentCommands()) {
            withCommands.add(reply.sagaId());
          }
          compensating |= written.sentCompensation();
        }
      } catch (Unmatched e) {
        status.rollbackToSavepoint(savepoint);
        quarantine(status, record, reply.sagaId(), e.getMessage(), now);
      } catch (Throwable e) {
        // out of memory and the like roll back the whole batch (it is read again)
        Failures.rethrowIfFatal(e);
        // a coordinator bug, a database error or an Error from definition code on this one
        // reply: undo it alone, keep the reply
        status.rollbackToSavepoint(savepoint);
        log.error("Applying reply at " + position(record) + " failed; quarantined", e);
        quarantine(status, record, reply.sagaId(), "processing failed: " + e, now);
      }
    }
    return new Outcome(withCommands, compensating);
  }

  private TransitionWriter.Written apply(
      Effects effects,
      ConsumerRecord<String, byte[]> record,
      ParsedReply reply,
      SagaRow row,
      Instant now) {
    if (row == null) {
      throw new Unmatched("unknown saga " + reply.sagaId());
    }
    if (!row.sagaType().equals(reply.sagaType())) {
      throw new Unmatched(
          "saga type " + reply.sagaType() + " does not match the saga's type " + row.sagaType());
    }
    SagaLoader.Loaded loaded = loader.load(row, now, origin(record), effects.sink());
    if (loaded.state().status().isTerminal()) {
      // Kept, not dropped: a reply after the end is usually a late duplicate, but it can also
      // be the only sign that a participant did work the saga no longer expects (a forward step
      // that ran after its saga was compensated). The issue's rule: replies for unknown or
      // finished sagas are quarantined with a reason and counted.
      effects.quarantine(
          record, reply.sagaId(), "saga already finished (" + loaded.state().status() + ")");
      effects.metric(metrics::lateReply);
      return loaded.written();
    }
    if (loaded.definition() == null) {
      // kept in quarantine so the reply is not lost if the definition comes back
      effects.quarantine(
          record, reply.sagaId(), "saga is parked: " + loaded.state().statusReason());
      return loaded.written();
    }
    row = loaded.row();
    SagaState state = loaded.state();
    SagaDefinition<?> def = loaded.definition();
    if (!state.steps().containsKey(reply.step())) {
      throw new Unmatched("unknown step " + reply.step());
    }
    Optional<? extends StepDefinition<?>> stepDef = def.step(reply.step());
    if (stepDef.isPresent() && !stepDef.get().participant().name().equals(reply.participant())) {
      throw new Unmatched(
          "reply from participant "
              + reply.participant()
              + " but step "
              + reply.step()
              + " belongs to "
              + stepDef.get().participant().name());
    }
    SagaEvent event =
        new SagaEvent.ReplyReceived(
            reply.step(),
            reply.phase(),
            reply.attempt(),
            reply.commandId(),
            reply.outcome(),
            reply.bodyJson());
    StepState before = state.steps().get(reply.step());
    Transition transition = engine.apply(def, state, event, now);
    effects.metric(() -> circuits.observe(def, event, transition));
    if (!transition.applied()) {
      effects.metric(metrics::ignored);
      log.info(
          "Ignored reply "
              + reply.outcome()
              + " for saga "
              + reply.sagaId()
              + " step "
              + reply.step()
              + " "
              + reply.phase().wireName()
              + " attempt "
              + reply.attempt()
              + ": "
              + transition.reason());
      return loaded.written();
    }
    TransitionWriter.Written written =
        TransitionWriter.Written.merge(
            loaded.written(),
            writer.write(
                row, transition, events.toJson(event), now, origin(record), effects.sink()));
    if (before.startedAt() != null) {
      String sagaType = row.sagaType();
      Duration latency = Duration.between(before.startedAt(), now);
      effects.metric(
          () -> metrics.stepLatency(sagaType, reply.step(), reply.phase().wireName(), latency));
    }
    return written;
  }

  private static TransitionWriter.KafkaOrigin origin(ConsumerRecord<String, byte[]> record) {
    return new TransitionWriter.KafkaOrigin(record.topic(), record.partition(), record.offset());
  }

  private static String position(ConsumerRecord<String, byte[]> record) {
    return record.topic() + "-" + record.partition() + "@" + record.offset();
  }

  /**
   * Quarantines under its own savepoint: a failing insert must not abort the batch transaction
   * (that would block the partition for ever). If the full row cannot be stored, a minimal one is
   * (position and reason only); if even that fails, the reply is logged and skipped.
   */
  private void quarantine(
      TransactionStatus status,
      ConsumerRecord<String, byte[]> record,
      UUID sagaId,
      String reason,
      Instant now) {
    log.warn("Quarantined reply at " + position(record) + ": " + reason);
    Object savepoint = status.createSavepoint();
    try {
      quarantine.insert(
          reason,
          sagaId,
          record.topic(),
          record.partition(),
          record.offset(),
          ParsedReply.headers(record),
          record.value(),
          now);
      status.releaseSavepoint(savepoint);
      metrics.quarantined();
      return;
    } catch (RuntimeException e) {
      status.rollbackToSavepoint(savepoint);
      log.error("Quarantining the reply at " + position(record) + " failed; storing less", e);
    }
    savepoint = status.createSavepoint();
    try {
      quarantine.insert(
          "stored without headers and body (" + reason + ")",
          sagaId,
          record.topic(),
          record.partition(),
          record.offset(),
          Map.of(),
          null,
          now);
      status.releaseSavepoint(savepoint);
      metrics.quarantined();
    } catch (RuntimeException e) {
      status.rollbackToSavepoint(savepoint);
      log.error("Skipped the reply at " + position(record) + ": it cannot be quarantined", e);
    }
  }
}
