package io.sagacoord.server.internal.start;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.InvalidSagaDataException;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.StartDataViolationsException;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.SagaView;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.UnknownSagaTypeException;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import io.sagacoord.server.internal.liveness.StartGate;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.pipeline.EventJson;
import io.sagacoord.server.internal.pipeline.StateMapper;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.Storable;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Starts sagas (idempotently) and reads them. */
@Service
public class CoordinatorService implements SagaCoordinator {

  private final DefinitionRegistry registry;
  private final SagaEngine engine;
  private final ParticipantCircuits circuits;
  private final SagaInstanceDao instances;
  private final EventJson events;
  private final OutboxRelay relay;
  private final StartBatcher batcher;
  private final StartGate gate;
  private final StartAdmission admission;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final Clock clock;
  private final SagaTracing tracing;

  public CoordinatorService(
      DefinitionRegistry registry,
      SagaEngine engine,
      SagaInstanceDao instances,
      EventJson events,
      OutboxRelay relay,
      StartBatcher batcher,
      StartGate gate,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock,
      SagaTracing tracing,
      ParticipantCircuits circuits,
      StartAdmission admission) {
    this.admission = admission;
    this.tracing = tracing;
    this.registry = registry;
    this.engine = engine;
    this.circuits = circuits;
    this.instances = instances;
    this.events = events;
    this.relay = relay;
    this.batcher = batcher;
    this.gate = gate;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
  }

  @Override
  public StartResult start(String sagaType, String idempotencyKey, Object data) {
    return start(sagaType, idempotencyKey, json.writeValueAsString(data));
  }

  @Override
  public StartResult start(String sagaType, String idempotencyKey, String dataJson) {
    // the replies of running sagas first: refused before any work is spent on the start
    admission.admit();
    // a caller that can be answered "not now" is refused while the first participant is down; a
    // start message from Kafka is accepted and waits
    registry.newest(sagaType).ifPresent(circuits::checkStart);
    StartBatcher.Job job = prepare(sagaType, idempotencyKey, dataJson);
    if (TransactionSynchronizationManager.isActualTransactionActive()) {
      // the caller's transaction: the start commits (or rolls back) with the caller's own writes
      return startInCurrentTransaction(job);
    }
    return batcher.submit(job);
  }

  /**
   * Checks a start and runs the engine for it (pure, so in the caller's thread: a batch of starts
   * is then only writes). Nothing is written.
   *
   * @throws IllegalArgumentException if the key is blank, longer than 200 characters or holds a NUL
   *     or an unpaired surrogate
   * @throws UnknownSagaTypeException if no such definition is loaded
   * @throws InvalidStartDataException if the data is not JSON, does not fit the saga's data type or
   *     breaks the definition's {@code validate} rules
   * @throws io.sagacoord.server.ParticipantUnavailableException if a participant of the first
   *     commands is unavailable and the definition refuses such starts
   */
  public StartBatcher.Job prepare(String sagaType, String idempotencyKey, String dataJson) {
    if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
      throw new IllegalArgumentException("idempotencyKey must be 1-200 characters");
    }
    String keyProblem = Storable.textProblem(idempotencyKey);
    if (keyProblem != null) {
      throw new IllegalArgumentException(
          "idempotencyKey " + keyProblem + ", which is not accepted");
    }
    SagaDefinition<?> def =
        registry.newest(sagaType).orElseThrow(() -> new UnknownSagaTypeException(sagaType));
    checkJson(sagaType, dataJson);
    Instant now = now();
    // the key's saga has this id whoever starts it: the instance's primary key deduplicates
    UUID sagaId = SagaIds.ofStart(sagaType, idempotencyKey);
    Transition transition;
    try {
      transition = engine.startValidated(def, sagaId, dataJson, now);
    } catch (StartDataViolationsException e) {
      throw new InvalidStartDataException(
          sagaType, String.join("; ", e.violations()), e, e.violations());
    } catch (InvalidSagaDataException e) {
      // the codec's message names the field in the caller's terms; the engine's adds the type again
      String why = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      throw new InvalidStartDataException(sagaType, why, e);
    }
    gate.admit(def, sagaId, transition);
    return new StartBatcher.Job(
        sagaType,
        idempotencyKey,
        dataJson,
        sagaId,
        transition,
        events.start(dataJson),
        now,
        tracing.caller(),
        new CompletableFuture<>());
  }

  private StartResult startInCurrentTransaction(StartBatcher.Job job) {
    return tx.execute(
        status -> {
          StartResult result = batcher.writeInCurrentTransaction(job);
          if (result.created()) {
            AfterCommit.run(
                () -> {
                  crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
                  relay.handOver(OutboxRelay.Commands.sagas(List.of(job.sagaId())));
                });
          }
          return result;
        });
  }

  /**
   * Refuses data that is not JSON, or that jsonb cannot store ({@link Storable#jsonProblem}: NUL,
   * unpaired surrogates, numbers beyond numeric), before the engine decodes it into the saga's data
   * type: refused here rather than failing the write.
   */
  private void checkJson(String sagaType, String dataJson) {
    JsonNode tree;
    try {
      // big decimals, so that a number too small or too large for numeric is seen as such
      tree =
          json.reader()
              .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .readTree(dataJson == null ? "" : dataJson);
    } catch (JacksonException e) {
      // the parser's own message quotes the input and names its tokens: give the position only
      throw new InvalidStartDataException(
          sagaType,
          "not valid JSON"
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"),
          e);
    }
    if (tree == null || tree.isMissingNode()) {
      throw new InvalidStartDataException(sagaType, "the body is empty", null);
    }
    String problem = Storable.jsonProblem(tree);
    if (problem != null) {
      throw new InvalidStartDataException(sagaType, problem + ", which is not accepted", null);
    }
  }

  @Override
  public Optional<SagaView> find(UUID sagaId) {
    return instances
        .find(sagaId)
        .map(
            row ->
                new SagaView(
                    row.id(),
                    row.sagaType(),
                    row.definitionVersion(),
                    row.status(),
                    row.statusReason(),
                    json.readTree(row.dataJson()),
                    StateMapper.fullSteps(json.readTree(row.stepsJson()), row, registry),
                    row.deadline(),
                    row.createdAt(),
                    row.updatedAt()));
  }

  /** Microsecond precision: what Postgres stores, so a replay sees the same instants. */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
