package io.sagacoord.server.internal.web;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.internal.api.ApiException;
import io.sagacoord.server.internal.api.Cursor;
import io.sagacoord.server.internal.api.InputRules;
import io.sagacoord.server.internal.api.OperatorActions;
import io.sagacoord.server.internal.api.QueryParams;
import io.sagacoord.server.internal.engine.DefinitionRegistry;
import io.sagacoord.server.internal.engine.SagaLogReader;
import io.sagacoord.server.internal.engine.StateMapper;
import io.sagacoord.server.internal.persistence.AuditDao;
import io.sagacoord.server.internal.persistence.LogEntryRow;
import io.sagacoord.server.internal.persistence.SagaInstanceDao;
import io.sagacoord.server.internal.persistence.SagaQueryDao;
import io.sagacoord.server.internal.persistence.SagaRow;
import io.sagacoord.server.internal.persistence.TimerDao;
import io.sagacoord.server.internal.security.Callers;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Sagas: start ({@code POST /api/sagas/{type}}, STARTER), list, read one, read its timeline
 * (VIEWER), and operator actions (OPERATOR). Errors are RFC 9457 problem details.
 */
@RestController
@RequestMapping("/api/sagas")
public class SagaController {

  /** The response body of a start. */
  public record StartResponse(UUID sagaId, boolean created) {}

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

  /** One page of the saga list; {@code nextCursor} is null on the last page. */
  public record SagaPage(List<SagaSummary> items, String nextCursor, int limit) {}

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

  /** The body of an operator action. */
  public record ActionRequest(String reason, String step) {}

  /** The result of an applied operator action. */
  public record ActionResponse(UUID sagaId, String action, String status, String statusReason) {}

  private static final Set<String> LIST_PARAMS =
      Set.of(
          "status",
          "type",
          "step",
          "participant",
          "createdFrom",
          "createdTo",
          "updatedFrom",
          "updatedTo",
          "q",
          "cursor",
          "limit",
          "sort");
  private static final int MAX_REASON = 2000;
  private static final int MAX_STEP = 200;
  // saga_operator_audit.actor is varchar(200)
  private static final int MAX_ACTOR = 200;

  private final SagaCoordinator coordinator;
  private final SagaInstanceDao instances;
  private final SagaQueryDao queries;
  private final SagaLogReader log;
  private final TimerDao timers;
  private final AuditDao audit;
  private final DefinitionRegistry registry;
  private final OperatorActions actions;
  private final SecApiProperties api;
  private final ObjectMapper json;

  public SagaController(
      SagaCoordinator coordinator,
      SagaInstanceDao instances,
      SagaQueryDao queries,
      SagaLogReader log,
      TimerDao timers,
      AuditDao audit,
      DefinitionRegistry registry,
      OperatorActions actions,
      SecApiProperties api,
      ObjectMapper json) {
    this.coordinator = coordinator;
    this.instances = instances;
    this.queries = queries;
    this.log = log;
    this.timers = timers;
    this.audit = audit;
    this.registry = registry;
    this.actions = actions;
    this.api = api;
    this.json = json;
  }

  @PostMapping(path = "/{type}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<StartResponse> start(
      @PathVariable String type,
      @RequestHeader("Idempotency-Key") String idempotencyKey,
      @RequestBody String body,
      Authentication auth) {
    if (!Callers.mayStart(auth, type)) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "Saga type not allowed",
          Callers.actor(auth) + " may not start sagas of type " + QueryParams.abbreviate(type),
          Map.of("sagaType", type));
    }
    StartResult result = coordinator.start(type, idempotencyKey, body);
    StartResponse response = new StartResponse(result.sagaId(), result.created());
    if (result.created()) {
      return ResponseEntity.created(URI.create("/api/sagas/" + result.sagaId())).body(response);
    }
    return ResponseEntity.ok(response);
  }

  @GetMapping
  public SagaPage list(HttpServletRequest request) {
    QueryParams p = new QueryParams(request, LIST_PARAMS);
    String sort = Optional.ofNullable(p.text("sort")).orElse("-createdAt");
    boolean descending;
    if (sort.equals("-createdAt")) {
      descending = true;
    } else if (sort.equals("createdAt")) {
      descending = false;
    } else {
      throw ApiException.badRequest(
          "unknown sort '" + QueryParams.abbreviate(sort) + "'; use createdAt or -createdAt");
    }
    Set<String> statuses = null;
    String statusText = p.text("status");
    if (statusText != null) {
      statuses = new LinkedHashSet<>();
      for (String s : statusText.split(",", -1)) {
        String name = s.trim().toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
          throw ApiException.invalid(
              "query parameter 'status' has an empty entry; give one or more statuses,"
                  + " comma-separated",
              "parameter",
              "status");
        }
        try {
          statuses.add(SagaStatus.valueOf(name).name());
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest(
              "unknown status '"
                  + QueryParams.abbreviate(s)
                  + "'; one of "
                  + EnumSet.allOf(SagaStatus.class));
        }
      }
    }
    List<String> participantSteps = null;
    String participant = p.text("participant");
    if (participant != null) {
      participantSteps = new ArrayList<>();
      for (SagaDefinition<?> def : registry.all()) {
        for (StepDefinition<?> step : def.steps()) {
          if (step.participant().name().equals(participant)) {
            participantSteps.add(def.name() + "/" + step.name());
          }
        }
      }
    }
    int limit = p.limit(api.defaultPageSize(), api.maxPageSize());
    String cursorText = p.text("cursor");
    Cursor cursor = cursorText == null ? null : Cursor.decode(cursorText, descending);
    Instant createdFrom = p.instant("createdFrom");
    Instant createdTo = p.instant("createdTo");
    Instant updatedFrom = p.instant("updatedFrom");
    Instant updatedTo = p.instant("updatedTo");
    List<SagaQueryDao.Summary> rows =
        queries.list(
            new SagaQueryDao.Filter(
                statuses,
                p.text("type"),
                p.text("step"),
                participantSteps,
                createdFrom,
                createdTo,
                updatedFrom,
                updatedTo,
                p.text("q"),
                cursor == null ? null : cursor.createdAt(),
                cursor == null ? null : cursor.id(),
                descending,
                limit + 1));
    boolean more = rows.size() > limit;
    List<SagaSummary> items = new ArrayList<>();
    for (SagaQueryDao.Summary row : rows.subList(0, Math.min(limit, rows.size()))) {
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
    String next = null;
    if (more) {
      SagaSummary last = items.get(items.size() - 1);
      next = new Cursor(descending, last.createdAt(), last.id()).encode();
    }
    return new SagaPage(items, next, limit);
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

  @GetMapping(path = "/{id}")
  public SagaDetail get(@PathVariable String id) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    SagaRow row =
        instances
            .find(sagaId)
            .orElseThrow(() -> ApiException.notFound("Saga not found", "no saga " + sagaId));
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
    return new SagaDetail(
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
        row.updatedAt());
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

  @GetMapping(path = "/{id}/log")
  public Timeline timeline(@PathVariable String id) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    SagaRow saga =
        instances
            .find(sagaId)
            .orElseThrow(() -> ApiException.notFound("Saga not found", "no saga " + sagaId));
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
    return new Timeline(sagaId, entries);
  }

  @PostMapping(path = "/{id}/actions/retry-step", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ActionResponse retryStep(
      @PathVariable String id, @RequestBody(required = false) String body, Authentication auth) {
    return act(
        id,
        body,
        auth,
        "retry-step",
        (request, actor) -> {
          if (request.step() != null && request.step().isBlank()) {
            throw ApiException.invalid("\"step\" must not be blank when given", "field", "step");
          }
          return new SagaEvent.OperatorRetryStep(request.step(), actor, request.reason());
        });
  }

  @PostMapping(
      path = "/{id}/actions/force-compensation",
      consumes = MediaType.APPLICATION_JSON_VALUE)
  public ActionResponse forceCompensation(
      @PathVariable String id, @RequestBody(required = false) String body, Authentication auth) {
    return act(
        id,
        body,
        auth,
        "force-compensation",
        (request, actor) -> new SagaEvent.OperatorForceCompensation(actor, request.reason()));
  }

  @PostMapping(path = "/{id}/actions/resolve", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ActionResponse resolve(
      @PathVariable String id, @RequestBody(required = false) String body, Authentication auth) {
    return act(
        id,
        body,
        auth,
        "resolve",
        (request, actor) -> new SagaEvent.OperatorResolve(actor, request.reason()));
  }

  /** The common path of every operator action: parse, build the engine event, apply, answer. */
  private ActionResponse act(
      String id,
      String body,
      Authentication auth,
      String action,
      java.util.function.BiFunction<ActionRequest, String, SagaEvent> event) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    ActionRequest request = actionRequest(body);
    String actor = caller(auth);
    return respond(
        actions.apply(sagaId, action, event.apply(request, actor), actor, request.reason()));
  }

  /** The caller's name as audited; the input rule holds for it too (it comes from a token). */
  static String caller(Authentication auth) {
    return InputRules.field("actor", Callers.actor(auth), MAX_ACTOR);
  }

  private static ActionResponse respond(OperatorActions.Applied applied) {
    return new ActionResponse(
        applied.sagaId(), applied.action(), applied.status(), applied.statusReason());
  }

  /** Parses {@code {"reason": "...", "step": "..."}}; a missing or blank reason is a 400. */
  ActionRequest actionRequest(String body) {
    return parseReasonBody(json, body, true);
  }

  static ActionRequest parseReasonBody(ObjectMapper json, String body, boolean stepAllowed) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("a JSON body {\"reason\": \"...\"} is required");
    }
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JacksonException e) {
      throw ApiException.badRequest("the body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object {\"reason\": \"...\"}");
    }
    JsonNode reason = node.get("reason");
    if (reason == null || !reason.isString() || reason.asString().isBlank()) {
      throw ApiException.invalid("\"reason\" is required (a non-empty string)", "field", "reason");
    }
    InputRules.field("reason", reason.asString(), MAX_REASON);
    JsonNode step = node.get("step");
    if (step != null && !step.isNull()) {
      if (!stepAllowed || !step.isString()) {
        throw ApiException.invalid("\"step\" must be a string (retry-step only)", "field", "step");
      }
      InputRules.field("step", step.asString(), MAX_STEP);
    }
    for (String field : node.propertyNames()) {
      if (!field.equals("reason") && !(stepAllowed && field.equals("step"))) {
        throw ApiException.badRequest("unknown field \"" + QueryParams.abbreviate(field) + "\"");
      }
    }
    return new ActionRequest(
        reason.asString(), step == null || step.isNull() ? null : step.asString());
  }
}
