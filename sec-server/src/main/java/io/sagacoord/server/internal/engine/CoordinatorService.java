package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.InvalidSagaDataException;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.SagaView;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.UnknownSagaTypeException;
import io.sagacoord.server.internal.kafka.OutboxRelay;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.CrashPoints;
import io.sagacoord.server.internal.persistence.SagaInstanceDao;
import io.sagacoord.server.internal.persistence.StartRequestDao;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Starts sagas (idempotently) and reads them. */
@Service
public class CoordinatorService implements SagaCoordinator {

  private final DefinitionRegistry registry;
  private final SagaEngine engine;
  private final TransitionWriter writer;
  private final StartRequestDao startRequests;
  private final SagaInstanceDao instances;
  private final EventJson events;
  private final OutboxRelay relay;
  private final StartBatcher batcher;
  private final CrashPoints crashPoints;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final JsonMapper canonical;
  private final Clock clock;

  public CoordinatorService(
      DefinitionRegistry registry,
      SagaEngine engine,
      TransitionWriter writer,
      StartRequestDao startRequests,
      SagaInstanceDao instances,
      EventJson events,
      OutboxRelay relay,
      StartBatcher batcher,
      CrashPoints crashPoints,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock) {
    this.registry = registry;
    this.engine = engine;
    this.writer = writer;
    this.startRequests = startRequests;
    this.instances = instances;
    this.events = events;
    this.relay = relay;
    this.batcher = batcher;
    this.crashPoints = crashPoints;
    this.tx = tx;
    this.json = json;
    this.canonical =
        JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    this.clock = clock;
  }

  @Override
  public StartResult start(String sagaType, String idempotencyKey, Object data) {
    return start(sagaType, idempotencyKey, json.writeValueAsString(data));
  }

  @Override
  public StartResult start(String sagaType, String idempotencyKey, String dataJson) {
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
   * @throws IllegalArgumentException if the key is blank or longer than 200 characters
   * @throws UnknownSagaTypeException if no such definition is loaded
   * @throws InvalidStartDataException if the data is not JSON or does not fit the saga's data type
   */
  public StartBatcher.Job prepare(String sagaType, String idempotencyKey, String dataJson) {
    if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
      throw new IllegalArgumentException("idempotencyKey must be 1-200 characters");
    }
    SagaDefinition<?> def =
        registry.newest(sagaType).orElseThrow(() -> new UnknownSagaTypeException(sagaType));
    String hash = requestHash(sagaType, dataJson);
    if (dataJson.contains("\\u0000")) {
      // jsonb cannot hold it: refuse here rather than fail the write
      throw new InvalidStartDataException(
          sagaType, "the data contains \\u0000, which PostgreSQL jsonb cannot store", null);
    }
    Instant now = now();
    UUID sagaId = UUID.randomUUID();
    Transition transition;
    try {
      transition = engine.start(def, sagaId, dataJson, now);
    } catch (InvalidSagaDataException e) {
      throw new InvalidStartDataException(sagaType, e.getMessage(), e);
    }
    return new StartBatcher.Job(
        sagaType,
        idempotencyKey,
        hash,
        sagaId,
        transition,
        events.start(dataJson),
        now,
        new CompletableFuture<>());
  }

  private StartResult startInCurrentTransaction(StartBatcher.Job job) {
    String sagaType = job.sagaType();
    String idempotencyKey = job.idempotencyKey();
    String hash = job.requestHash();
    UUID sagaId = job.sagaId();
    Instant now = job.now();
    return tx.execute(
        status -> {
          Optional<StartResult> earlier = earlier(sagaType, idempotencyKey, hash);
          if (earlier.isPresent()) {
            return earlier.get();
          }
          if (!startRequests.insertIfAbsent(sagaType, idempotencyKey, hash, sagaId, now)) {
            // a concurrent request with the same key committed first
            return earlier(sagaType, idempotencyKey, hash).orElseThrow();
          }
          writer.write(null, job.transition(), job.eventJson(), now, null);
          AfterCommit.run(
              () -> {
                crashPoints.pass(CrashPoints.AFTER_DB_COMMIT_BEFORE_PUBLISH);
                relay.submit(List.of(sagaId));
              });
          return new StartResult(sagaId, true);
        });
  }

  private Optional<StartResult> earlier(String sagaType, String key, String hash) {
    return startRequests
        .find(sagaType, key)
        .map(
            existing -> {
              if (!existing.requestHash().equals(hash)) {
                throw new IdempotencyKeyConflictException(sagaType, key, existing.sagaId());
              }
              return new StartResult(existing.sagaId(), false);
            });
  }

  /** SHA-256 of the data in canonical form (keys sorted), so formatting does not matter. */
  private String requestHash(String sagaType, String dataJson) {
    String canonicalJson;
    try {
      JsonNode tree = json.readTree(dataJson == null ? "" : dataJson);
      if (tree == null || tree.isMissingNode()) {
        throw new InvalidStartDataException(sagaType, "the body is empty", null);
      }
      canonicalJson = canonical.writeValueAsString(canonical.treeToValue(tree, Object.class));
    } catch (JacksonException e) {
      throw new InvalidStartDataException(sagaType, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(digest.digest(canonicalJson.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
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
