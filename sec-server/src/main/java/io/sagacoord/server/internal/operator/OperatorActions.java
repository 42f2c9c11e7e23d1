package io.sagacoord.server.internal.operator;

import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.UnknownSagaTypeException;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.inbound.InboundMessage;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.pipeline.EventPipeline;
import io.sagacoord.server.internal.pipeline.TransitionWriter;
import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.reply.ReplyProcessor;
import io.sagacoord.server.internal.start.StartMessage;
import io.sagacoord.server.internal.storage.AuditDao;
import io.sagacoord.server.internal.storage.QuarantineAdminDao;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Operator actions. Each is an engine event applied to the locked saga in one transaction with its
 * audit row; a refused action is audited too (REJECTED) and answered with 409. The server decides
 * nothing: the engine says whether the action is allowed.
 */
@Service
public class OperatorActions {

  /** What an applied action did. */
  public record Applied(UUID sagaId, String action, String status, String statusReason) {}

  /** What a redelivery did. */
  public record Redelivered(
      long quarantineId, UUID sagaId, String outcome, Long requarantinedAs, String reason) {}

  private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

  private final EventPipeline pipeline;
  private final AuditDao audit;
  private final QuarantineAdminDao quarantine;
  private final ReplyProcessor replies;
  private final OutboxRelay relay;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final Clock clock;
  private final SagaCoordinator coordinator;
  private final QuarantineDao quarantineWriter;
  private final SecProperties properties;
  private final SagaTracing tracing;

  public OperatorActions(
      EventPipeline pipeline,
      AuditDao audit,
      QuarantineAdminDao quarantine,
      ReplyProcessor replies,
      OutboxRelay relay,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock,
      SagaCoordinator coordinator,
      QuarantineDao quarantineWriter,
      SecProperties properties,
      SagaTracing tracing) {
    this.tracing = tracing;
    this.coordinator = coordinator;
    this.quarantineWriter = quarantineWriter;
    this.properties = properties;
    this.pipeline = pipeline;
    this.audit = audit;
    this.quarantine = quarantine;
    this.replies = replies;
    this.relay = relay;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
  }

  private sealed interface Result {}

  private record Done(Applied applied) implements Result {}

  private record Refused(String disposition, String reason, String status) implements Result {}

  /**
   * Applies an operator event to a saga.
   *
   * @throws ApiException 404 for an unknown saga, 409 when the engine refuses the action
   */
  public Applied apply(UUID sagaId, String action, SagaEvent event, String actor, String reason) {
    try (SagaTracing.Event traced = tracing.operatorAction(sagaId, action, actor)) {
      return applyAction(sagaId, action, event, actor, reason);
    }
  }

  private Applied applyAction(
      UUID sagaId, String action, SagaEvent event, String actor, String reason) {
    Result result =
        tx.execute(
            status -> {
              Instant now = now();
              SagaRow row = pipeline.lock(List.of(sagaId)).get(sagaId);
              if (row == null) {
                return null;
              }
              EventPipeline.Result applied =
                  pipeline.apply(
                      row, event, now, null, pipeline.direct(), true, (state, definition) -> {});
              SagaState state = applied.before();
              if (applied.kind() == EventPipeline.Kind.PARKED) {
                String why =
                    "the saga's definition "
                        + row.sagaType()
                        + " v"
                        + row.definitionVersion()
                        + " is not loaded (status "
                        + state.status()
                        + ")";
                audit.insert(sagaId, null, action, actor, reason, "REJECTED", why, now);
                return new Refused("REJECTED", why, state.status().name());
              }
              Transition transition = applied.transition();
              if (applied.kind() == EventPipeline.Kind.NOT_APPLIED) {
                audit.insert(
                    sagaId,
                    null,
                    action,
                    actor,
                    reason,
                    transition.disposition().name(),
                    transition.reason(),
                    now);
                return new Refused(
                    transition.disposition().name(), transition.reason(), state.status().name());
              }
              TransitionWriter.Written written = applied.written();
              audit.insert(
                  sagaId,
                  null,
                  action,
                  actor,
                  reason,
                  "APPLIED",
                  "status " + state.status() + " -> " + transition.state().status(),
                  now);
              if (written.sentCommands()) {
                AfterCommit.run(() -> relay.handOver(OutboxRelay.Commands.sagas(List.of(sagaId))));
              }
              return new Done(
                  new Applied(
                      sagaId,
                      action,
                      transition.state().status().name(),
                      transition.state().statusReason()));
            });
    if (result == null) {
      throw ApiException.notFound("Saga not found", "no saga " + sagaId);
    }
    if (result instanceof Refused refused) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "Action not allowed in this state",
          action + " refused: " + refused.reason(),
          Map.of(
              "sagaId", sagaId.toString(),
              "action", action,
              "sagaStatus", refused.status(),
              "disposition", refused.disposition()));
    }
    return ((Done) result).applied();
  }

  /**
   * Feeds a quarantined message through the reply intake again, in one transaction with its
   * redelivery mark; a message of the start topic is started again instead (idempotent by its key,
   * committed on its own first). If it still cannot be applied it is quarantined again under a new
   * id.
   *
   * @throws ApiException 404 for an unknown entry, 409 when it was already redelivered
   */
  public Redelivered redeliver(long id, String actor, String reason) {
    QuarantineAdminDao.Entry entry =
        quarantine
            .find(id)
            .orElseThrow(() -> ApiException.notFound("Message not found", "no quarantined " + id));
    boolean start = entry.topic().equals(properties.kafka().startTopic());
    String startRefusal = start && entry.redeliveredAt() == null ? startAgain(entry) : null;
    Object[] holder = new Object[1];
    Redelivered result =
        tx.execute(
            status -> {
              Instant now = now();
              if (!quarantine.markRedelivered(id, actor, now)) {
                return null;
              }
              if (start) {
                if (startRefusal != null) {
                  quarantineWriter.insert(
                      startRefusal,
                      null,
                      entry.topic(),
                      entry.partition(),
                      entry.offset(),
                      json.readValue(entry.headersJson(), HEADERS),
                      entry.rawBody(),
                      now);
                }
              } else {
                holder[0] = replies.process(List.of(message(entry)));
              }
              Optional<QuarantineAdminDao.Entry> again =
                  quarantine.requarantined(id, entry.topic(), entry.partition(), entry.offset());
              String verdict = again.isPresent() ? "QUARANTINED_AGAIN" : "APPLIED";
              audit.insert(
                  entry.sagaId(),
                  id,
                  "redeliver",
                  actor,
                  reason,
                  verdict,
                  again.map(QuarantineAdminDao.Entry::reason).orElse(null),
                  now);
              return new Redelivered(
                  id,
                  entry.sagaId(),
                  verdict,
                  again.map(QuarantineAdminDao.Entry::id).orElse(null),
                  again.map(QuarantineAdminDao.Entry::reason).orElse(null));
            });
    if (result == null) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "Already redelivered",
          "quarantined message " + id + " was already redelivered",
          Map.of("quarantineId", id));
    }
    if (holder[0] instanceof ReplyProcessor.Outcome outcome) {
      // committed by now: the batched path's rows go to the relay, the fallback's are claimed
      relay.handOver(new OutboxRelay.Commands(outcome.written(), outcome.sagasWithCommands()));
    }
    return result;
  }

  /** Starts the saga of a quarantined start message; returns why not, or null if it started. */
  private String startAgain(QuarantineAdminDao.Entry entry) {
    try {
      StartMessage m = StartMessage.parse(message(entry), properties.kafka().maxReplyBytes());
      coordinator.start(m.sagaType(), m.idempotencyKey(), m.dataJson());
      return null;
    } catch (IllegalArgumentException
        | UnknownSagaTypeException
        | InvalidStartDataException
        | IdempotencyKeyConflictException e) {
      return e.getMessage();
    }
  }

  /** The quarantined message as it was read, rebuilt from its row. */
  private InboundMessage message(QuarantineAdminDao.Entry entry) {
    return new InboundMessage(
        entry.topic(),
        entry.partition(),
        entry.offset(),
        json.readValue(entry.headersJson(), HEADERS),
        entry.rawBody());
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
