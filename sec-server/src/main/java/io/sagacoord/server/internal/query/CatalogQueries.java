package io.sagacoord.server.internal.query;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import io.sagacoord.server.internal.liveness.HeartbeatDao.HeartbeatRow;
import io.sagacoord.server.internal.liveness.InstanceLiveness;
import io.sagacoord.server.internal.liveness.Liveness;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.ParticipantDao;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** What the catalog endpoints show: loaded definitions, participants and statistics. */
@Service
public class CatalogQueries {

  /** One loaded definition version. */
  public record DefinitionView(
      String name, int version, String fingerprint, boolean newest, JsonNode description) {}

  /** One announced instance of a participant. */
  public record InstanceView(
      String instance,
      String version,
      Instant announcedAt,
      Instant receivedAt,
      Instant lastHeartbeatAt,
      Long heartbeatIntervalMs,
      InstanceLiveness liveness) {}

  /** A step of a loaded definition that a participant serves. */
  public record UsedBy(String sagaType, int version, String step) {}

  /** A participant: announced instances, command types, and the steps that use it. */
  public record ParticipantView(
      String participant,
      Instant lastSeen,
      Set<String> commandTypes,
      Set<String> compensationTypes,
      List<InstanceView> instances,
      int liveInstances,
      List<UsedBy> usedBy,
      ParticipantCircuits.CircuitView circuit) {}

  /** The oldest RUNNING or COMPENSATING saga. */
  public record OldestRunning(
      UUID id, String sagaType, String status, Instant createdAt, Duration age) {}

  /** A saga with a step in flight for longer than that step's timeout without any change. */
  public record StuckSaga(
      UUID id,
      String sagaType,
      String status,
      String step,
      String stepStatus,
      Instant lastChange,
      Duration stepTimeout,
      Duration stuckFor) {}

  /**
   * Counts and the sagas that need attention. The counts of the statuses in {@code
   * estimatedStatuses} (COMPLETED above {@link #EXACT_COUNTS_UP_TO} sagas, otherwise none), and
   * with them {@code total}, are estimates rounded to three digits; the others are exact.
   */
  public record Stats(
      long total,
      Map<String, Long> byStatus,
      Map<String, Map<String, Long>> byType,
      List<String> estimatedStatuses,
      OldestRunning oldestRunning,
      long stuckCount,
      List<StuckSaga> stuck) {}

  /**
   * Up to this many sagas every count is exact; above, COMPLETED (most of the history) is estimated
   * from PostgreSQL's statistics and the other statuses are counted from their index.
   */
  public static final long EXACT_COUNTS_UP_TO = 10_000;

  private static final int STUCK_SCAN = 1000;
  private static final int STUCK_SHOWN = 100;

  private final DefinitionRegistry registry;
  private final ParticipantDao participants;
  private final Liveness liveness;
  private final SagaQueryDao queries;
  private final ObjectMapper json;
  private final Clock clock;
  private final ParticipantCircuits circuits;

  public CatalogQueries(
      DefinitionRegistry registry,
      ParticipantDao participants,
      Liveness liveness,
      SagaQueryDao queries,
      ObjectMapper json,
      Clock clock,
      ParticipantCircuits circuits) {
    this.circuits = circuits;
    this.registry = registry;
    this.participants = participants;
    this.liveness = liveness;
    this.queries = queries;
    this.json = json;
    this.clock = clock;
  }

  public List<DefinitionView> definitions() {
    List<DefinitionView> out = new ArrayList<>();
    for (SagaDefinition<?> def : registry.all()) {
      boolean newest =
          registry.newest(def.name()).map(n -> n.version() == def.version()).orElse(false);
      out.add(
          new DefinitionView(
              def.name(),
              def.version(),
              def.fingerprint(),
              newest,
              json.readTree(def.describe().toJson())));
    }
    return out;
  }

  public List<ParticipantView> participants() {
    Map<String, List<ParticipantDao.ParticipantRow>> announced = new TreeMap<>();
    for (ParticipantDao.ParticipantRow row : participants.findAll()) {
      announced.computeIfAbsent(row.participant(), k -> new ArrayList<>()).add(row);
    }
    Map<String, HeartbeatRow> heartbeats = new HashMap<>();
    for (HeartbeatRow row : liveness.instances()) {
      heartbeats.put(row.participant() + "\n" + row.instance(), row);
    }
    Map<String, List<UsedBy>> used = new TreeMap<>();
    for (SagaDefinition<?> def : registry.all()) {
      for (StepDefinition<?> step : def.steps()) {
        used.computeIfAbsent(step.participant().name(), k -> new ArrayList<>())
            .add(new UsedBy(def.name(), def.version(), step.name()));
      }
    }
    Set<String> names = new TreeSet<>(announced.keySet());
    names.addAll(used.keySet());
    List<ParticipantView> out = new ArrayList<>();
    for (String name : names) {
      List<ParticipantDao.ParticipantRow> rows = announced.getOrDefault(name, List.of());
      Set<String> commandTypes = new TreeSet<>();
      Set<String> compensationTypes = new TreeSet<>();
      Instant lastSeen = null;
      List<InstanceView> instances = new ArrayList<>();
      int live = 0;
      for (ParticipantDao.ParticipantRow row : rows) {
        json.readTree(row.commandTypesJson()).forEach(n -> commandTypes.add(n.asString()));
        json.readTree(row.compensationTypesJson())
            .forEach(n -> compensationTypes.add(n.asString()));
        if (lastSeen == null || row.announcedAt().isAfter(lastSeen)) {
          lastSeen = row.announcedAt();
        }
        HeartbeatRow beat = heartbeats.get(row.participant() + "\n" + row.instance());
        Long interval = beat == null ? null : beat.intervalMs();
        Instant lastBeat = beat == null ? null : beat.lastHeartbeatAt();
        InstanceLiveness state = liveness.judge(interval, lastBeat);
        if (state == InstanceLiveness.LIVE) {
          live++;
        }
        instances.add(
            new InstanceView(
                row.instance(),
                row.version(),
                row.announcedAt(),
                row.receivedAt(),
                lastBeat,
                interval,
                state));
      }
      out.add(
          new ParticipantView(
              name,
              lastSeen,
              commandTypes,
              compensationTypes,
              instances,
              live,
              used.getOrDefault(name, List.of()),
              circuits.enabled() ? circuits.view(name) : null));
    }
    return out;
  }

  public Stats stats() {
    Instant now = clock.instant();
    Map<String, Long> byStatus = new TreeMap<>();
    Map<String, Map<String, Long>> byType = new TreeMap<>();
    long total = 0;
    SagaQueryDao.Counts counts = queries.countByStatusAndType(EXACT_COUNTS_UP_TO);
    for (SagaQueryDao.Count c : counts.counts()) {
      byStatus.merge(c.status(), c.count(), Long::sum);
      byType.computeIfAbsent(c.sagaType(), k -> new TreeMap<>()).put(c.status(), c.count());
      total += c.count();
    }
    OldestRunning oldest =
        queries
            .oldestActive()
            .map(
                s ->
                    new OldestRunning(
                        s.id(),
                        s.sagaType(),
                        s.status(),
                        s.createdAt(),
                        Duration.between(s.createdAt(), now)))
            .orElse(null);
    Duration shortest =
        registry.all().stream()
            .flatMap(d -> d.steps().stream())
            .map(StepDefinition::timeout)
            .min(Duration::compareTo)
            .orElse(Duration.ofSeconds(30));
    List<StuckSaga> stuck = new ArrayList<>();
    for (SagaQueryDao.Quiet quiet : queries.quietSince(now.minus(shortest), STUCK_SCAN)) {
      Optional<SagaDefinition<?>> def = registry.find(quiet.sagaType(), quiet.definitionVersion());
      if (def.isEmpty()) {
        continue;
      }
      // the stored form: an in-flight step always has its name and status in full
      for (JsonNode s : json.readTree(quiet.stepsJson())) {
        String status = s.path("status").asString("");
        if (!status.equals(StepStatus.IN_PROGRESS.name())
            && !status.equals(StepStatus.COMPENSATING.name())) {
          continue;
        }
        String name = s.path("step").asString("");
        Optional<? extends StepDefinition<?>> step = def.get().step(name);
        if (step.isEmpty()) {
          continue;
        }
        Duration quietFor = Duration.between(quiet.updatedAt(), now);
        if (quietFor.compareTo(step.get().timeout()) > 0) {
          stuck.add(
              new StuckSaga(
                  quiet.id(),
                  quiet.sagaType(),
                  quiet.status(),
                  name,
                  status,
                  quiet.updatedAt(),
                  step.get().timeout(),
                  quietFor.minus(step.get().timeout())));
          break;
        }
      }
    }
    Map<String, Long> ordered = new LinkedHashMap<>(byStatus);
    return new Stats(
        total,
        ordered,
        byType,
        counts.completedEstimated() ? List.of("COMPLETED") : List.of(),
        oldest,
        stuck.size(),
        stuck.subList(0, Math.min(STUCK_SHOWN, stuck.size())));
  }
}
