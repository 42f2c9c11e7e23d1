package io.sagacoord.server.internal.query;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.server.internal.pipeline.SagaLogReader;
import io.sagacoord.server.internal.pipeline.StateMapper;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.AuditDao;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TimerDao;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Sagas as the API shows them: a filtered list, one saga in full, and its timeline. */
@Service
public class SagaQueries {

  /** A saga in a list. */
  public record SagaSummary(
      UUID id,
      String sagaType,
      int definitionVersion,
      String status,
      String statusReason,
      String businessKey,
      List<String> currentSteps,
      Instant createdAt,
      Instant updatedAt) {}

  /** The definition a saga runs on. */
  public record DefinitionRef(String name, int version, String fingerprint, boolean loaded) {}

  /** One step of a saga. */
  public record StepView(
      String step,
      String status,
      String participant,
      String kind,
      int forwardAttempt,
      int compensationAttempt,
      UUID commandId,
      Instant startedAt,
      Instant finishedAt,
      String lastError) {}

  /** A pending durable timer. */
  public record TimerView(String kind, String step, String phase, int attempt, Instant dueAt) {}

  /** One saga in full. */
  public record SagaDetail(
      UUID id,
      DefinitionRef definition,
      String status,
      String statusReason,
      String previousStatus,
      String businessKey,
      JsonNode data,
      List<StepView> steps,
      List<TimerView> timers,
      Instant deadline,
      Instant createdAt,
      Instant updatedAt) {}

  /** Where a consumed reply came from. */
  public record KafkaPosition(String topic, int partition, long offset) {}

  /**
   * One entry of a saga's timeline: a log row of the engine ({@code source = log}) or an operator
   * audit row ({@code source = audit}).
   */
  public record TimelineEntry(
      String source,
      Instant occurredAt,
      Integer seq,
      String type,
      String step,
      String phase,
      Integer attempt,
      UUID commandId,
      JsonNode detail,
      JsonNode event,
      String handledBy,
      KafkaPosition kafka,
      String actor,
      String reason,
      String outcome) {}

  /** A saga's timeline, oldest first. */
  public record Timeline(UUID sagaId, List<TimelineEntry> entries) {}

  /**
   * What the saga list is filtered by (null: no filter on that field) and where its page starts:
   * after the saga ({@code afterCreatedAt}, {@code afterId}) in the given order, at most {@code
   * limit} sagas. {@code participant} selects the sagas with a step that participant serves, in a
   * loaded definition.
   */
  public record Filter(
      Set<String> statuses,
      String type,
      String step,
      String participant,
      Instant createdFrom,
      Instant createdTo,
      Instant updatedFrom,
      Instant updatedTo,
      String text,
      Instant afterCreatedAt,
      UUID afterId,
      boolean descending,
      int limit) {}

  private final SagaInstanceDao instances;
  private final SagaQueryDao queries;
  private final SagaLogReader log;
  private final TimerDao timers;
  private final AuditDao audit;
  private final DefinitionRegistry registry;
  private final ObjectMapper json;

  public SagaQueries(
      SagaInstanceDao instances,
      SagaQueryDao queries,
      SagaLogReader log,
      TimerDao timers,
      AuditDao audit,
      DefinitionRegistry registry,
      ObjectMapper json) {
    this.instances = instances;
    this.queries = queries;
    this.log = log;
    this.timers = timers;
    this.audit = audit;
    this.registry = registry;
    this.json = json;
  }

  /**
   * The ids of the sagas the text would have started as an idempotency key, one per loaded saga
   * type: a start's key is what a caller knows its saga by, and the id follows from it.
   */
  private List<UUID> keyIds(String text) {
    if (text == null || text.isBlank() || text.length() > 200) {
      return List.of();
    }
    Set<String> types = new TreeSet<>();
    registry.all().forEach(def -> types.add(def.name()));
    return types.stream().map(type -> SagaIds.ofStart(type, text)).toList();
  }

  /** The sagas that match, in the filter's order. */
  public List<SagaSummary> list(Filter filter) {
    List<String> participantSteps = null;
    if (filter.participant() != null) {
      participantSteps = new ArrayList<>();
      for (SagaDefinition<?> def : registry.all()) {
        for (StepDefinition<?> step : def.steps()) {
          if (step.participant().name().equals(filter.participant())) {
            participantSteps.add(def.name() + "/" + step.name());
          }
        }
      }
    }
    List<SagaQueryDao.Summary> rows =
        queries.list(
            new SagaQueryDao.Filter(
                filter.statuses(),
                filter.type(),
                filter.step(),
                participantSteps,
                filter.createdFrom(),
                filter.createdTo(),
                filter.updatedFrom(),
                filter.updatedTo(),
                filter.text(),
                keyIds(filter.text()),
                filter.afterCreatedAt(),
                filter.afterId(),
                filter.descending(),
                filter.limit()));
    List<SagaSummary> items = new ArrayList<>();
    for (SagaQueryDao.Summary row : rows) {
      items.add(
          new SagaSummary(
              row.id(),
              row.sagaType(),
              row.definitionVersion(),
              row.status(),
              row.statusReason(),
              row.businessKey(),
              currentSteps(row.stepsJson()),
              row.createdAt(),
              row.updatedAt()));
    }
    return items;
  }

  private List<String> currentSteps(String stepsJson) {
    // the stored form: a step in a current status always has its name and status in full
    List<String> current = new ArrayList<>();
    for (JsonNode step : json.readTree(stepsJson)) {
      if (SagaQueryDao.CURRENT_STEP_STATUSES.contains(step.path("status").asString(""))) {
        current.add(step.path("step").asString(""));
      }
    }
    return current;
  }

  /** The saga's status, or empty for an unknown saga. */
  public Optional<String> status(UUID sagaId) {
    return instances.find(sagaId).map(SagaRow::status);
  }

  /** One saga in full, or empty for an unknown saga. */
  public Optional<SagaDetail> detail(UUID sagaId) {
    Optional<SagaRow> found = instances.find(sagaId);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    SagaRow row = found.get();
    Optional<SagaDefinition<?>> def = registry.find(row.sagaType(), row.definitionVersion());
    boolean loaded = def.isPresent() && def.get().fingerprint().equals(row.fingerprint());
    List<StepView> steps = new ArrayList<>();
    for (JsonNode s : StateMapper.fullSteps(json.readTree(row.stepsJson()), row, registry)) {
      String name = s.path("step").asString("");
      Optional<? extends StepDefinition<?>> stepDef = def.flatMap(d -> d.step(name));
      steps.add(
          new StepView(
              name,
              s.path("status").asString(null),
              stepDef.map(d -> d.participant().name()).orElse(null),
              stepDef.map(d -> d.kind().name()).orElse(null),
              s.path("forwardAttempt").asInt(0),
              s.path("compensationAttempt").asInt(0),
              uuidOrNull(s.get("commandId")),
              instantOrNull(s.get("startedAt")),
              instantOrNull(s.get("finishedAt")),
              s.path("lastError").asString(null)));
    }
    List<TimerView> timerViews =
        timers.findBySaga(sagaId).stream()
            .map(t -> new TimerView(t.kind(), t.step(), t.phase(), t.attempt(), t.dueAt()))
            .toList();
    return Optional.of(
        new SagaDetail(
            row.id(),
            new DefinitionRef(row.sagaType(), row.definitionVersion(), row.fingerprint(), loaded),
            row.status(),
            row.statusReason(),
            row.previousStatus(),
            row.businessKey(),
            json.readTree(row.dataJson()),
            steps,
            timerViews,
            row.deadline(),
            row.createdAt(),
            row.updatedAt()));
  }

  private static UUID uuidOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : UUID.fromString(node.asString());
  }

  private static Instant instantOrNull(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isNumber()) {
      double seconds = node.asDouble();
      long whole = (long) Math.floor(seconds);
      return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9));
    }
    return Instant.parse(node.asString());
  }

  /** A saga's timeline, oldest first, or empty for an unknown saga. */
  public Optional<Timeline> timeline(UUID sagaId) {
    Optional<SagaRow> found = instances.find(sagaId);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    SagaRow saga = found.get();
    List<TimelineEntry> entries = new ArrayList<>();
    // saga_log folds the entries of a transition into one row; the timeline lists each entry, seq
    // numbering them 1, 2, 3, ... in order as when every entry had its own row
    int position = 0;
    for (LogEntryRow r : log.entries(saga)) {
      entries.add(
          new TimelineEntry(
              "log",
              r.occurredAt(),
              ++position,
              r.type(),
              r.step(),
              r.phase(),
              r.attempt(),
              r.commandId(),
              r.detailJson() == null ? null : json.readTree(r.detailJson()),
              r.eventJson() == null ? null : json.readTree(r.eventJson()),
              r.handledBy(),
              r.kafkaTopic() == null
                  ? null
                  : new KafkaPosition(r.kafkaTopic(), r.kafkaPartition(), r.kafkaOffset()),
              null,
              null,
              null));
    }
    for (AuditDao.AuditRow a : audit.findBySaga(sagaId)) {
      entries.add(
          new TimelineEntry(
              "audit",
              a.occurredAt(),
              null,
              a.action(),
              null,
              null,
              null,
              null,
              a.detail() == null ? null : json.getNodeFactory().stringNode(a.detail()),
              null,
              null,
              null,
              a.actor(),
              a.reason(),
              a.outcome()));
    }
    // stable sort: log rows keep their sequence, an audit row follows the rows of its instant
    entries.sort(
        Comparator.comparing(TimelineEntry::occurredAt)
            .thenComparing(e -> e.source().equals("audit")));
    return Optional.of(new Timeline(sagaId, entries));
  }

  /** Starts and ends per minute in {@code [from, to)}, for the console's overview chart. */
  public List<SagaQueryDao.PerMinute> startsAndEndsPerMinute(Instant from, Instant to) {
    return queries.startsAndEndsPerMinute(from, to);
  }
}
