package io.sagacoord.server.internal.reply;

import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.StepState;
import io.sagacoord.protocol.ProtocolException;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.inbound.InboundMessage;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.pipeline.EventPipeline;
import io.sagacoord.server.internal.pipeline.TransitionWriter;
import io.sagacoord.server.internal.pipeline.WriteBatch;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TransitionBatchDao;
import io.sagacoord.server.internal.tracing.SagaTracing;
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
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * Applies a batch of replies in one transaction: the sagas concerned are locked in id order, the
 * replies are applied in memory and written with one statement (if that fails, the transaction is
 * rolled back and each reply is applied again under its own savepoint, in transactions of at most
 * half {@link EventPipeline#SAVEPOINTS_PER_TRANSACTION} replies), and whatever cannot be parsed or
 * matched is quarantined with its reason. Duplicates and stale attempts (the engine says IGNORED)
 * are counted and logged, not quarantined. A deadlock or lock conflict fails the whole batch, on
 * either path: the consumer reads it again, and nothing is quarantined for it.
 */
@Component
public class ReplyHandler implements ReplyProcessor {

  private static final Log log = LogFactory.getLog(ReplyHandler.class);

  private final EventPipeline pipeline;
  private final ReplyQuarantine quarantines;
  private final TransitionBatchDao transitions;
  private final SecMetrics metrics;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final Clock clock;
  private final int maxReplyBytes;
  private final boolean batchWrites;
  private final SagaTracing tracing;

  public ReplyHandler(
      EventPipeline pipeline,
      ReplyQuarantine quarantines,
      TransitionBatchDao transitions,
      SecMetrics metrics,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock,
      SecProperties properties,
      SagaTracing tracing) {
    this.pipeline = pipeline;
    this.tracing = tracing;
    this.quarantines = quarantines;
    this.transitions = transitions;
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
  public Outcome process(List<InboundMessage> records) {
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
    // a reply may keep two savepoints (its own and a quarantine's): a transaction takes half
    int chunk = EventPipeline.SAVEPOINTS_PER_TRANSACTION / 2;
    Set<UUID> withCommands = new LinkedHashSet<>();
    boolean compensating = false;
    for (int from = 0; from < records.size(); from += chunk) {
      List<InboundMessage> part = records.subList(from, Math.min(records.size(), from + chunk));
      Outcome o = tx.execute(status -> processInTransaction(part, status, false));
      withCommands.addAll(o.sagasWithCommands());
      compensating |= o.compensating();
    }
    return new Outcome(withCommands, compensating);
  }

  /** Applies the batch; null when {@code batched} and the fast path failed (roll back). */
  private Outcome processInTransaction(
      List<InboundMessage> records, TransactionStatus status, boolean batched) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    List<ParsedReply> parsed = new ArrayList<>(records.size());
    List<ReplyQuarantine.Pending> malformed = new ArrayList<>();
    Set<UUID> ids = new HashSet<>();
    for (InboundMessage record : records) {
      try {
        ParsedReply reply = ParsedReply.parse(record, maxReplyBytes, json);
        parsed.add(reply);
        ids.add(reply.sagaId());
      } catch (ProtocolException | IllegalArgumentException e) {
        parsed.add(null);
        malformed.add(new ReplyQuarantine.Pending(record, null, e.getMessage()));
      }
    }
    Map<UUID, SagaRow> locked = pipeline.lock(ids);
    if (batched) {
      return processBatched(records, parsed, malformed, locked, now);
    }
    for (ReplyQuarantine.Pending q : malformed) {
      quarantines.one(status, q.record(), null, q.reason(), now);
    }
    return processOneByOne(records, parsed, new LinkedHashMap<>(locked), status, now);
  }

  /** What {@link #apply} does besides writing: quarantines and meters, now or deferred. */
  private interface Effects {
    TransitionWriter.Sink sink();

    void quarantine(InboundMessage record, UUID sagaId, String reason);

    void metric(Runnable action);
  }

  /**
   * The fast path: every reply is applied in memory, then all writes go out in one statement.
   * Returns null when a reply failed in an unexpected way or the batch write failed; the caller
   * then rolls the transaction back and applies the replies one by one in a new one, each under its
   * own savepoint, which keeps such a failure to its own saga.
   */
  private Outcome processBatched(
      List<InboundMessage> records,
      List<ParsedReply> parsed,
      List<ReplyQuarantine.Pending> malformed,
      Map<UUID, SagaRow> locked,
      Instant now) {
    Map<UUID, SagaRow> rows = new HashMap<>(locked);
    WriteBatch batch = new WriteBatch();
    List<ReplyQuarantine.Pending> pending = new ArrayList<>(malformed);
    boolean compensating = false;
    for (int i = 0; i < records.size(); i++) {
      ParsedReply reply = parsed.get(i);
      if (reply == null) {
        continue;
      }
      InboundMessage record = records.get(i);
      // this reply's writes join the batch only if it applies without an exception
      WriteBatch one = new WriteBatch();
      List<ReplyQuarantine.Pending> itsQuarantines = new ArrayList<>();
      Effects deferred =
          new Effects() {
            @Override
            public TransitionWriter.Sink sink() {
              return one;
            }

            @Override
            public void quarantine(InboundMessage r, UUID sagaId, String reason) {
              itsQuarantines.add(new ReplyQuarantine.Pending(r, sagaId, reason));
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
        pending.addAll(itsQuarantines);
        if (written != null) {
          rows.put(reply.sagaId(), written.row());
          compensating |= written.sentCompensation();
        }
      } catch (Unmatched e) {
        pending.add(new ReplyQuarantine.Pending(record, reply.sagaId(), e.getMessage()));
      } catch (Throwable e) {
        Failures.rethrowIfFatal(e);
        Failures.warnBriefly(
            log,
            "Applying reply at " + record.position() + " failed; applying the batch reply by reply",
            e);
        return null;
      }
    }
    List<OutboxRow> commands = List.of();
    try {
      if (!batch.isEmpty()) {
        commands = batch.flush(transitions);
      }
      if (!pending.isEmpty()) {
        quarantines.all(pending, now);
      }
    } catch (RuntimeException e) {
      if (Failures.isTransient(e)) {
        // a deadlock is nobody's fault: the consumer reads the batch again
        throw e;
      }
      Failures.warnBriefly(
          log, "Writing " + records.size() + " replies at once failed; applying one by one", e);
      return null;
    }
    // the relay sends these from memory after the commit: nothing to claim
    return new Outcome(Set.of(), compensating, commands);
  }

  /** The fallback: each reply under its own savepoint, written at once. */
  private Outcome processOneByOne(
      List<InboundMessage> records,
      List<ParsedReply> parsed,
      Map<UUID, SagaRow> rows,
      TransactionStatus status,
      Instant now) {
    Effects immediate =
        new Effects() {
          @Override
          public TransitionWriter.Sink sink() {
            return pipeline.direct();
          }

          @Override
          public void quarantine(InboundMessage r, UUID sagaId, String reason) {
            quarantines.one(status, r, sagaId, reason, now);
          }

          @Override
          public void metric(Runnable action) {
            action.run();
          }
        };
    Set<UUID> withCommands = new LinkedHashSet<>();
    boolean[] compensating = {false};
    List<Integer> applicable = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      if (parsed.get(i) != null) {
        applicable.add(i);
      }
    }
    EventPipeline.eachUnderSavepoint(
        status,
        applicable,
        i -> {
          ParsedReply reply = parsed.get(i);
          TransitionWriter.Written written =
              apply(immediate, records.get(i), reply, rows.get(reply.sagaId()), now);
          if (written != null) {
            rows.put(reply.sagaId(), written.row());
            if (written.sentCommands()) {
              withCommands.add(reply.sagaId());
            }
            compensating[0] |= written.sentCompensation();
          }
        },
        (i, e) -> {
          InboundMessage record = records.get(i);
          UUID sagaId = parsed.get(i).sagaId();
          if (e instanceof Unmatched) {
            quarantines.one(status, record, sagaId, e.getMessage(), now);
          } else {
            // a coordinator bug, a database error or an Error from definition code on this one
            // reply: undone alone (out of memory, a deadlock and the like roll back the whole
            // batch, which the consumer reads again)
            log.error("Applying reply at " + record.position() + " failed; quarantined", e);
            quarantines.one(status, record, sagaId, "processing failed: " + e, now);
          }
        });
    return new Outcome(withCommands, compensating[0]);
  }

  private TransitionWriter.Written apply(
      Effects effects, InboundMessage record, ParsedReply reply, SagaRow row, Instant now) {
    try (SagaTracing.Event traced =
        tracing.replyApplied(
            record.header(SagaHeaders.TRACEPARENT),
            reply.sagaId(),
            reply.sagaType(),
            reply.step(),
            reply.phase().wireName(),
            reply.attempt(),
            reply.outcome().name(),
            reply.participant())) {
      return applyReply(effects, record, reply, row, now);
    }
  }

  private TransitionWriter.Written applyReply(
      Effects effects, InboundMessage record, ParsedReply reply, SagaRow row, Instant now) {
    if (row == null) {
      throw new Unmatched("unknown saga " + reply.sagaId());
    }
    if (!row.sagaType().equals(reply.sagaType())) {
      throw new Unmatched(
          "saga type " + reply.sagaType() + " does not match the saga's type " + row.sagaType());
    }
    SagaEvent event =
        new SagaEvent.ReplyReceived(
            reply.step(),
            reply.phase(),
            reply.attempt(),
            reply.commandId(),
            reply.outcome(),
            reply.bodyJson());
    EventPipeline.Result result =
        pipeline.apply(
            row,
            event,
            now,
            origin(record),
            effects.sink(),
            false,
            (state, def) -> {
              if (!state.steps().containsKey(reply.step())) {
                throw new Unmatched("unknown step " + reply.step());
              }
              Optional<? extends StepDefinition<?>> stepDef = def.step(reply.step());
              if (stepDef.isPresent()
                  && !stepDef.get().participant().name().equals(reply.participant())) {
                throw new Unmatched(
                    "reply from participant "
                        + reply.participant()
                        + " but step "
                        + reply.step()
                        + " belongs to "
                        + stepDef.get().participant().name());
              }
            });
    switch (result.kind()) {
      case FINISHED -> {
        // Kept, not dropped: a reply after the end is usually a late duplicate, but it can also
        // be the only sign that a participant did work the saga no longer expects (a forward step
        // that ran after its saga was compensated). Replies for unknown or finished sagas are
        // quarantined with a reason and counted.
        effects.quarantine(record, reply.sagaId(), "saga already finished (" + row.status() + ")");
        effects.metric(metrics::lateReply);
      }
      case PARKED ->
          // kept in quarantine so the reply is not lost if the definition comes back
          effects.quarantine(
              record, reply.sagaId(), "saga is parked: " + result.before().statusReason());
      case NOT_APPLIED -> {
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
                + result.transition().reason());
      }
      case APPLIED -> {
        StepState before = result.before().steps().get(reply.step());
        if (before.startedAt() != null) {
          String sagaType = row.sagaType();
          Duration latency = Duration.between(before.startedAt(), now);
          effects.metric(
              () ->
                  metrics.stepLatency(
                      sagaType,
                      reply.step(),
                      reply.phase().wireName(),
                      reply.participant(),
                      latency));
        }
      }
    }
    return result.written();
  }

  private static TransitionWriter.KafkaOrigin origin(InboundMessage record) {
    return new TransitionWriter.KafkaOrigin(record.topic(), record.partition(), record.offset());
  }
}
