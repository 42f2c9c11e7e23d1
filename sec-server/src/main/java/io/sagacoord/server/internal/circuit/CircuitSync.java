package io.sagacoord.server.internal.circuit;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import io.sagacoord.server.internal.pipeline.EventPipeline;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Keeps the coordinators' circuits in step and lets waiting sagas go. At every poll interval it
 * writes the openings and closings of this coordinator's circuits to {@code
 * saga_participant_circuit}, moves its circuits as the other coordinators moved theirs, and, for
 * each participant whose circuit lets commands through again, applies {@code ParticipantAvailable}
 * to the sagas waiting for it longest: up to {@code release-batch} while the circuit is closed, up
 * to its trial commands while it is half-open (the engine asks the circuit for each command, so a
 * half-open circuit lets no more through than it permits). The event goes through the {@link
 * EventPipeline} like any other, and the commands it sends to the relay's {@code handOver}.
 */
@Component
public class CircuitSync extends WorkerLoop {

  /** Waiting sagas read per pass, across participants. */
  private static final int WAITING_SCAN = 2_000;

  private static final List<String> WAIT_STATUSES =
      List.of(StepStatus.PARTICIPANT_WAIT.name(), StepStatus.COMPENSATION_PARTICIPANT_WAIT.name());

  private final CircuitProperties properties;
  private final ParticipantCircuits circuits;
  private final CircuitDao dao;
  private final DefinitionRegistry registry;
  private final EventPipeline pipeline;
  private final OutboxRelay relay;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final Clock clock;
  private final String instanceId;
  private final Map<String, Long> seenVersions = new ConcurrentHashMap<>();

  /** Passes between two searches for waiting sagas while nothing happened to the circuits. */
  private static final int QUIET_PASSES = 60;

  /** The circuits' activity when a search last found no waiting saga (-1: search). */
  private long quietAt = -1;

  private int quietPasses;

  public CircuitSync(
      CircuitProperties properties,
      ParticipantCircuits circuits,
      CircuitDao dao,
      DefinitionRegistry registry,
      EventPipeline pipeline,
      OutboxRelay relay,
      TransactionTemplate tx,
      ObjectMapper json,
      Clock clock,
      SecProperties secProperties) {
    super("sec-circuit-sync", "Circuit sync", DEFAULT_PHASE, Duration.ZERO);
    this.properties = properties;
    this.circuits = circuits;
    this.dao = dao;
    this.registry = registry;
    this.pipeline = pipeline;
    this.relay = relay;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
    this.instanceId = secProperties.instanceId();
  }

  /** One pass: share, follow, release. Returns how many sagas were released. */
  public int runOnce() {
    if (!properties.enabled()) {
      return 0;
    }
    share();
    follow();
    circuits.halfOpenDue();
    return release();
  }

  /** Writes this coordinator's circuit changes, oldest first. */
  void share() {
    for (ParticipantCircuits.Change change : circuits.drainChanges()) {
      dao.write(change.participant(), change.state(), change.openUntil(), change.at(), instanceId);
    }
  }

  /** Moves the circuits as the shared rows say, each change once. */
  void follow() {
    for (CircuitDao.SharedCircuit shared : dao.findAll()) {
      Long seen = seenVersions.get(shared.participant());
      if (seen != null && seen >= shared.version()) {
        continue;
      }
      seenVersions.put(shared.participant(), shared.version());
      circuits.follow(shared.participant(), shared.state(), shared.openUntil(), shared.changedAt());
    }
  }

  /** Releases sagas waiting for participants whose circuit lets commands through. */
  int release() {
    // sagas start to wait only when a circuit refuses a command; while the circuits are quiet a
    // search that found none is repeated only now and then (a coordinator that stopped may have
    // left some), not at every pass over all running sagas
    long activity = circuits.activity();
    if (activity == quietAt && ++quietPasses < QUIET_PASSES) {
      return 0;
    }
    quietPasses = 0;
    Map<String, List<UUID>> byParticipant = new LinkedHashMap<>();
    for (CircuitDao.WaitingSaga saga : dao.waiting(WAITING_SCAN)) {
      Optional<SagaDefinition<?>> def = registry.find(saga.sagaType(), saga.definitionVersion());
      if (def.isEmpty()) {
        continue;
      }
      for (JsonNode step : json.readTree(saga.stepsJson())) {
        if (!step.isObject() || !WAIT_STATUSES.contains(step.path("status").asString(""))) {
          continue;
        }
        def.get()
            .step(step.path("step").asString(""))
            .ifPresent(
                s -> {
                  List<UUID> ids =
                      byParticipant.computeIfAbsent(s.participant().name(), k -> new ArrayList<>());
                  if (!ids.contains(saga.id())) {
                    ids.add(saga.id());
                  }
                });
      }
    }
    quietAt = byParticipant.isEmpty() ? activity : -1;
    int released = 0;
    for (Map.Entry<String, List<UUID>> e : byParticipant.entrySet()) {
      String participant = e.getKey();
      if (!circuits.mayRelease(participant)) {
        continue;
      }
      int limit = circuits.releaseLimit(participant);
      for (UUID id : e.getValue()) {
        if (limit-- <= 0) {
          break;
        }
        Boolean sent = tx.execute(status -> releaseOne(id, participant));
        if (sent == null) {
          continue; // locked elsewhere or finished
        }
        if (!sent) {
          break; // the circuit refuses commands still (its trials are taken)
        }
        released++;
      }
    }
    return released;
  }

  /**
   * Applies {@code ParticipantAvailable} to one saga: true when it sent, false when the circuit
   * refused, null when the saga is locked, gone or not waiting.
   */
  private Boolean releaseOne(UUID id, String participant) {
    SagaRow row = pipeline.lockFree(List.of(id)).get(id);
    if (row == null) {
      return null;
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    EventPipeline.Result result;
    try {
      result =
          pipeline.apply(
              row,
              new SagaEvent.ParticipantAvailable(participant),
              now,
              null,
              pipeline.direct(),
              false,
              (state, def) -> {
                if (!waitsFor(state, def, participant)) {
                  throw new NotWaiting();
                }
              });
    } catch (NotWaiting e) {
      return null;
    }
    return switch (result.kind()) {
      case FINISHED, PARKED -> null;
      case NOT_APPLIED -> false;
      case APPLIED -> {
        if (result.written().sentCommands()) {
          AfterCommit.run(() -> relay.handOver(OutboxRelay.Commands.sagas(List.of(id))));
        }
        yield true;
      }
    };
  }

  private static boolean waitsFor(SagaState state, SagaDefinition<?> def, String participant) {
    return state.steps().values().stream()
        .anyMatch(
            s ->
                s.waitsForParticipant()
                    && def.step(s.step())
                        .map(d -> d.participant().name().equals(participant))
                        .orElse(false));
  }

  /** The saga waits for no step of the participant (released by another pass or coordinator). */
  private static final class NotWaiting extends RuntimeException {
    NotWaiting() {
      super(null, null, false, false);
    }
  }

  @Override
  protected boolean enabled() {
    return properties.enabled();
  }

  /** Every {@code sec.circuit.poll-interval}: share, follow, release. */
  @Override
  protected void pass(int worker) {
    if (pause(properties.pollInterval())) {
      runOnce();
    }
  }
}
