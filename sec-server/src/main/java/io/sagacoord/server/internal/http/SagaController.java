package io.sagacoord.server.internal.http;

import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.StartResult;
import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.internal.operator.OperatorActions;
import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.query.SagaQueries;
import io.sagacoord.server.internal.query.SagaQueries.SagaDetail;
import io.sagacoord.server.internal.query.SagaQueries.SagaSummary;
import io.sagacoord.server.internal.query.SagaQueries.Timeline;
import io.sagacoord.server.internal.security.Callers;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
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

  /** One page of the saga list; {@code nextCursor} is null on the last page. */
  public record SagaPage(List<SagaSummary> items, String nextCursor, int limit) {}

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
  private final SagaQueries sagas;
  private final OperatorActions actions;
  private final SecApiProperties api;
  private final ObjectMapper json;

  public SagaController(
      SagaCoordinator coordinator,
      SagaQueries sagas,
      OperatorActions actions,
      SecApiProperties api,
      ObjectMapper json) {
    this.coordinator = coordinator;
    this.sagas = sagas;
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
          throw InputRules.invalid(
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
    String participant = p.text("participant");
    int limit = p.limit(api.defaultPageSize(), api.maxPageSize());
    String cursorText = p.text("cursor");
    Cursor cursor = cursorText == null ? null : Cursor.decode(cursorText, descending);
    Instant createdFrom = p.instant("createdFrom");
    Instant createdTo = p.instant("createdTo");
    Instant updatedFrom = p.instant("updatedFrom");
    Instant updatedTo = p.instant("updatedTo");
    List<SagaSummary> rows =
        sagas.list(
            new SagaQueries.Filter(
                statuses,
                p.text("type"),
                p.text("step"),
                participant,
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
    List<SagaSummary> items = List.copyOf(rows.subList(0, Math.min(limit, rows.size())));
    String next = null;
    if (more) {
      SagaSummary last = items.get(items.size() - 1);
      next = new Cursor(descending, last.createdAt(), last.id()).encode();
    }
    return new SagaPage(items, next, limit);
  }

  @GetMapping(path = "/{id}")
  public SagaDetail get(@PathVariable String id) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    return sagas
        .detail(sagaId)
        .orElseThrow(() -> ApiException.notFound("Saga not found", "no saga " + sagaId));
  }

  @GetMapping(path = "/{id}/log")
  public Timeline timeline(@PathVariable String id) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    return sagas
        .timeline(sagaId)
        .orElseThrow(() -> ApiException.notFound("Saga not found", "no saga " + sagaId));
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
            throw InputRules.invalid("\"step\" must not be blank when given", "field", "step");
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
      throw InputRules.invalid("\"reason\" is required (a non-empty string)", "field", "reason");
    }
    InputRules.field("reason", reason.asString(), MAX_REASON);
    JsonNode step = node.get("step");
    if (step != null && !step.isNull()) {
      if (!stepAllowed || !step.isString()) {
        throw InputRules.invalid("\"step\" must be a string (retry-step only)", "field", "step");
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
