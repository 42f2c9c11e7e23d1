package io.sagacoord.server.internal.console;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.server.internal.http.QuarantineController;
import io.sagacoord.server.internal.http.QueryParams;
import io.sagacoord.server.internal.http.SagaController;
import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.query.CatalogQueries;
import io.sagacoord.server.internal.query.SagaQueries;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.security.Callers;
import io.sagacoord.server.internal.security.SecurityConfiguration;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The console's pages. Every read and every action goes through {@link RestCalls}, the REST API's
 * own handlers; this class only arranges their answers for people and draws the pictures.
 */
@Controller
@RequestMapping("/console")
@ConditionalOnProperty(
    prefix = "sec.console",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class ConsoleController {

  static final List<String> ACTIONS = List.of("retry-step", "force-compensation", "resolve");
  private static final Set<String> TERMINAL = Set.of("COMPLETED", "COMPENSATED", "FAILED");
  private static final List<String> LIST_FILTERS =
      List.of(
          "type",
          "step",
          "participant",
          "createdFrom",
          "createdTo",
          "updatedFrom",
          "updatedTo",
          "q",
          "sort",
          "limit");

  private final RestCalls rest;
  private final DefinitionRegistry registry;
  private final Clock clock;
  private final SecurityConfiguration.BearerTokens bearer;

  ConsoleController(
      RestCalls rest,
      DefinitionRegistry registry,
      Clock clock,
      SecurityConfiguration.BearerTokens bearer) {
    this.rest = rest;
    this.registry = registry;
    this.clock = clock;
    this.bearer = bearer;
  }

  @ModelAttribute
  void common(Model model, Authentication auth, HttpServletRequest request) {
    model.addAttribute("fmt", new ConsoleFormat(clock.instant()));
    model.addAttribute("signedIn", auth != null && auth.isAuthenticated());
    model.addAttribute("user", auth == null ? null : Callers.actor(auth));
    model.addAttribute("canOperate", canOperate(auth));
    model.addAttribute("path", request.getRequestURI());
  }

  static boolean canOperate(Authentication auth) {
    return auth != null
        && auth.getAuthorities().stream()
            .anyMatch(
                a ->
                    "ROLE_OPERATOR".equals(a.getAuthority())
                        || "ROLE_ADMIN".equals(a.getAuthority()));
  }

  @GetMapping("/sign-in")
  String signIn(
      Model model, @RequestParam(required = false) String error, HttpServletRequest request) {
    model.addAttribute("title", "Sign in");
    model.addAttribute("tokenSignIn", bearer.decoder() != null);
    model.addAttribute("error", error);
    model.addAttribute("expired", request.getParameter("expired") != null);
    model.addAttribute("signedOut", request.getParameter("signed-out") != null);
    return "console/sign-in";
  }

  // --- overview

  @GetMapping({"", "/"})
  String overview(Model model, HttpServletRequest request) {
    CatalogQueries.Stats stats = rest.stats(request);
    Map<String, String> failedQuery = new LinkedHashMap<>();
    failedQuery.put("status", "FAILED");
    failedQuery.put("limit", "20");
    SagaController.SagaPage failed = rest.sagas(request, failedQuery);
    QuarantineController.QuarantinePage pending =
        rest.quarantine(request, Map.of("pending", "true", "limit", "100"));
    Instant now = clock.instant();
    Instant from = now.truncatedTo(ChronoUnit.MINUTES).minus(59, ChronoUnit.MINUTES);
    model.addAttribute("title", "Overview");
    model.addAttribute("stats", stats);
    model.addAttribute("exactUpTo", CatalogQueries.EXACT_COUNTS_UP_TO);
    model.addAttribute("statuses", statusNames());
    model.addAttribute("failed", failed);
    model.addAttribute("pending", pending);
    model.addAttribute("chart", StartsEndsChart.render(rest.startsAndEnds(from, now), from));
    return "console/overview";
  }

  // --- saga list

  @GetMapping("/sagas")
  String sagas(
      Model model,
      HttpServletRequest request,
      HttpServletResponse response,
      @RequestParam(name = "status", required = false) List<String> status,
      @RequestParam(required = false) String cursor) {
    Map<String, String> filters = new LinkedHashMap<>();
    for (String name : LIST_FILTERS) {
      String v = request.getParameter(name);
      if (v != null && !v.isBlank()) {
        filters.put(name, name.endsWith("From") || name.endsWith("To") ? instant(v) : v);
      }
    }
    List<String> statuses = new ArrayList<>();
    if (status != null) {
      for (String s : status) {
        for (String part : s.split(",")) {
          if (!part.isBlank()) {
            statuses.add(part.strip());
          }
        }
      }
    }
    Map<String, String> query = new LinkedHashMap<>(filters);
    if (!statuses.isEmpty()) {
      query.put("status", String.join(",", statuses));
    }
    if (cursor != null && !cursor.isBlank()) {
      query.put("cursor", cursor);
    }
    model.addAttribute("title", "Sagas");
    model.addAttribute("filters", filters);
    model.addAttribute("selectedStatuses", statuses);
    model.addAttribute("statuses", statusNames());
    model.addAttribute("types", types());
    model.addAttribute("participants", participantNames());
    model.addAttribute("raw", rawParams(request));
    try {
      SagaController.SagaPage page = rest.sagas(request, query);
      model.addAttribute("page", page);
      String base = request.getRequestURI();
      UriComponentsBuilder next = UriComponentsBuilder.fromPath(base);
      UriComponentsBuilder first = UriComponentsBuilder.fromPath(base);
      UriComponentsBuilder flipped = UriComponentsBuilder.fromPath(base);
      for (Map.Entry<String, String> f : rawParams(request).entrySet()) {
        if (!f.getKey().equals("cursor")) {
          next.queryParam(f.getKey(), f.getValue());
          first.queryParam(f.getKey(), f.getValue());
          if (!f.getKey().equals("sort")) {
            flipped.queryParam(f.getKey(), f.getValue());
          }
        }
      }
      for (String s : statuses) {
        next.queryParam("status", s);
        first.queryParam("status", s);
        flipped.queryParam("status", s);
      }
      boolean descending = !"createdAt".equals(filters.get("sort"));
      flipped.queryParam("sort", descending ? "createdAt" : "-createdAt");
      model.addAttribute("descending", descending);
      model.addAttribute("sortUrl", flipped.encode().build().toUriString());
      model.addAttribute(
          "nextUrl",
          page.nextCursor() == null
              ? null
              : next.queryParam("cursor", page.nextCursor()).encode().build().toUriString());
      model.addAttribute("firstUrl", cursor == null ? null : first.encode().build().toUriString());
    } catch (ApiException e) {
      response.setStatus(e.status().value());
      model.addAttribute("problem", e.getMessage());
    }
    return "console/sagas";
  }

  /** The filter fields as typed (for the form and the paging links), blank ones left out. */
  private static Map<String, String> rawParams(HttpServletRequest request) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : LIST_FILTERS) {
      String v = request.getParameter(name);
      if (v != null && !v.isBlank()) {
        out.put(name, v);
      }
    }
    return out;
  }

  /** A {@code datetime-local} value (no zone) is read as UTC; anything else goes to the API. */
  static String instant(String value) {
    String v = value.strip();
    if (v.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}")) {
      return v + ":00Z";
    }
    if (v.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?")) {
      return v + "Z";
    }
    return v;
  }

  // --- one saga

  @GetMapping("/sagas/{id}")
  String saga(@PathVariable String id, Model model) {
    SagaQueries.SagaDetail saga = rest.saga(id);
    SagaQueries.Timeline timeline = rest.timeline(id);
    List<String> steps = saga.steps().stream().map(SagaQueries.StepView::step).toList();
    Instant openUntil = TERMINAL.contains(saga.status()) ? saga.updatedAt() : clock.instant();
    model.addAttribute("title", "Saga " + saga.id());
    model.addAttribute("saga", saga);
    model.addAttribute("timelineSvg", TimelineSvg.render(timeline.entries(), steps, openUntil));
    model.addAttribute(
        "log", timeline.entries().stream().filter(e -> e.source().equals("log")).toList());
    model.addAttribute(
        "audit", timeline.entries().stream().filter(e -> e.source().equals("audit")).toList());
    model.addAttribute("actions", ACTIONS);
    return "console/saga";
  }

  @PostMapping("/sagas/{id}/actions/{action}")
  String act(
      @PathVariable String id,
      @PathVariable String action,
      @RequestParam(required = false) String reason,
      @RequestParam(required = false) String step,
      @RequestParam(required = false) String confirmed,
      Authentication auth,
      Model model,
      RedirectAttributes redirect) {
    String back = "redirect:/console/sagas/" + QueryParams.uuid("saga id", id);
    if (!ACTIONS.contains(action)) {
      throw ApiException.notFound("Unknown action", "no operator action " + action);
    }
    if (reason == null || reason.isBlank()) {
      redirect.addFlashAttribute("actionError", action + ": a reason is required");
      return back;
    }
    if (!"yes".equals(confirmed)) {
      SagaQueries.SagaDetail saga = rest.saga(id);
      model.addAttribute("title", "Confirm " + action);
      model.addAttribute("saga", saga);
      model.addAttribute("action", action);
      model.addAttribute("reason", reason);
      model.addAttribute("step", step == null || step.isBlank() ? null : step);
      model.addAttribute("formAction", "/console/sagas/" + saga.id() + "/actions/" + action);
      model.addAttribute("cancelUrl", "/console/sagas/" + saga.id());
      return "console/confirm";
    }
    try {
      SagaController.ActionResponse r = rest.act(id, action, reason, step, auth);
      redirect.addFlashAttribute(
          "actionDone",
          action
              + " applied: the saga is "
              + r.status()
              + (r.statusReason() == null ? "" : " (" + r.statusReason() + ")"));
    } catch (ApiException e) {
      redirect.addFlashAttribute(
          "actionError", action + " refused (" + e.status().value() + "): " + e.getMessage());
    }
    return back;
  }

  // --- definitions

  /** A definition version with its diagram. */
  record DefinitionCard(
      String name,
      int version,
      String fingerprint,
      boolean newest,
      String anchor,
      String svg,
      io.sagacoord.dsl.SagaDescription description) {}

  @GetMapping({"/definitions", "/definitions/{name}", "/definitions/{name}/{version}"})
  String definitions(
      @PathVariable(required = false) String name,
      @PathVariable(required = false) Integer version,
      Model model) {
    List<DefinitionCard> cards = new ArrayList<>();
    List<SagaDefinition<?>> all = new ArrayList<>(registry.all());
    all.sort(
        Comparator.comparing((SagaDefinition<?> d) -> d.name()).thenComparing(d -> -d.version()));
    for (SagaDefinition<?> d : all) {
      if ((name != null && !d.name().equals(name)) || (version != null && d.version() != version)) {
        continue;
      }
      String anchor = "def-" + d.name() + "-v" + d.version();
      boolean newest = registry.newest(d.name()).map(n -> n.version() == d.version()).orElse(false);
      cards.add(
          new DefinitionCard(
              d.name(),
              d.version(),
              d.fingerprint(),
              newest,
              anchor,
              DefinitionDiagram.render(d.describe(), anchor + "-diagram"),
              d.describe()));
    }
    if (cards.isEmpty() && name != null) {
      throw ApiException.notFound(
          "Definition not found",
          "no definition " + name + (version == null ? "" : " version " + version) + " is loaded");
    }
    model.addAttribute("title", name == null ? "Definitions" : "Definition " + name);
    model.addAttribute("cards", cards);
    model.addAttribute("policy", new PolicyText());
    return "console/definitions";
  }

  /** Lets templates print retry policies the way the diagrams do. */
  public static final class PolicyText {
    public String of(io.sagacoord.dsl.RetryPolicy p) {
      return DefinitionDiagram.policy(p);
    }
  }

  // --- participants

  @GetMapping("/participants")
  String participants(Model model, HttpServletRequest request) {
    model.addAttribute("title", "Participants");
    model.addAttribute("participants", rest.participants(request));
    return "console/participants";
  }

  // --- quarantine

  @GetMapping("/quarantine")
  String quarantine(
      Model model,
      HttpServletRequest request,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String pending) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("limit", "20");
    if (after != null) {
      query.put("after", after);
    }
    boolean onlyPending = !"false".equals(pending);
    query.put("pending", Boolean.toString(onlyPending));
    QuarantineController.QuarantinePage page = rest.quarantine(request, query);
    model.addAttribute("title", "Quarantine");
    model.addAttribute("page", page);
    model.addAttribute("onlyPending", onlyPending);
    model.addAttribute(
        "nextUrl",
        page.nextAfter() == null
            ? null
            : "/console/quarantine?pending=" + onlyPending + "&after=" + page.nextAfter());
    return "console/quarantine";
  }

  @PostMapping("/quarantine/{id}/redeliver")
  String redeliver(
      @PathVariable String id,
      @RequestParam(required = false) String reason,
      @RequestParam(required = false) String confirmed,
      Authentication auth,
      Model model,
      RedirectAttributes redirect) {
    if (reason == null || reason.isBlank()) {
      redirect.addFlashAttribute("actionError", "redeliver: a reason is required");
      return "redirect:/console/quarantine";
    }
    if (!"yes".equals(confirmed)) {
      model.addAttribute("title", "Confirm redelivery");
      model.addAttribute("action", "redeliver");
      model.addAttribute("quarantineId", id);
      model.addAttribute("reason", reason);
      model.addAttribute(
          "formAction",
          "/console/quarantine/" + QueryParams.id("quarantine id", id) + "/redeliver");
      model.addAttribute("cancelUrl", "/console/quarantine");
      return "console/confirm";
    }
    try {
      QuarantineController.RedeliveryResponse r = rest.redeliver(id, reason, auth);
      redirect.addFlashAttribute(
          "actionDone",
          "message "
              + r.quarantineId()
              + " redelivered: "
              + r.outcome()
              + (r.reason() == null ? "" : " (" + r.reason() + ")"));
    } catch (ApiException e) {
      redirect.addFlashAttribute(
          "actionError", "redeliver refused (" + e.status().value() + "): " + e.getMessage());
    }
    return "redirect:/console/quarantine";
  }

  // --- errors

  @ExceptionHandler(ApiException.class)
  String problem(
      ApiException e,
      Model model,
      HttpServletResponse response,
      Authentication auth,
      HttpServletRequest request) {
    common(model, auth, request);
    response.setStatus(e.status().value());
    model.addAttribute("title", e.title());
    model.addAttribute("status", e.status().value());
    model.addAttribute("detail", e.getMessage());
    return "console/error";
  }

  private static List<String> statusNames() {
    List<String> out = new ArrayList<>();
    for (SagaStatus s : SagaStatus.values()) {
      out.add(s.name());
    }
    return out;
  }

  private Set<String> types() {
    Set<String> out = new TreeSet<>();
    registry.all().forEach(d -> out.add(d.name()));
    return out;
  }

  private Set<String> participantNames() {
    Set<String> out = new TreeSet<>();
    for (SagaDefinition<?> d : registry.all()) {
      for (StepDefinition<?> s : d.steps()) {
        out.add(s.participant().name());
      }
    }
    return out;
  }
}
