package io.sagacoord.server.internal.console;

import io.sagacoord.server.internal.http.CatalogController;
import io.sagacoord.server.internal.http.QuarantineController;
import io.sagacoord.server.internal.http.SagaController;
import io.sagacoord.server.internal.query.CatalogQueries;
import io.sagacoord.server.internal.query.SagaQueries;
import io.sagacoord.server.internal.storage.SagaQueryDao;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The console's one way to the sagas: the REST API's own handlers, called in-process with the query
 * parameters and bodies the API takes. Filters, paging, validation, operator actions, audit and
 * their refusals are therefore exactly the API's; an {@link
 * io.sagacoord.server.internal.problem.ApiException} from them carries the same status and detail.
 */
@Component
class RestCalls {

  private final SagaController sagas;
  private final CatalogController catalog;
  private final QuarantineController quarantine;
  private final SagaQueries queries;
  private final ObjectMapper json;

  RestCalls(
      SagaController sagas,
      CatalogController catalog,
      QuarantineController quarantine,
      SagaQueries queries,
      ObjectMapper json) {
    this.sagas = sagas;
    this.catalog = catalog;
    this.quarantine = quarantine;
    this.queries = queries;
    this.json = json;
  }

  /** {@code GET /api/sagas} with these query parameters (blank values left out). */
  SagaController.SagaPage sagas(HttpServletRequest request, Map<String, String> params) {
    return sagas.list(withParams(request, params));
  }

  SagaQueries.SagaDetail saga(String id) {
    return sagas.get(id);
  }

  SagaQueries.Timeline timeline(String id) {
    return sagas.timeline(id);
  }

  CatalogQueries.Stats stats(HttpServletRequest request) {
    return catalog.stats(withParams(request, Map.of()));
  }

  List<CatalogQueries.ParticipantView> participants(HttpServletRequest request) {
    return catalog.participants(withParams(request, Map.of()));
  }

  QuarantineController.QuarantinePage quarantine(
      HttpServletRequest request, Map<String, String> params) {
    return quarantine.list(withParams(request, params));
  }

  /** Starts and ends per minute in {@code [from, to)} (the overview's chart). */
  List<SagaQueryDao.PerMinute> startsAndEnds(Instant from, Instant to) {
    return queries.startsAndEndsPerMinute(from, to);
  }

  /** {@code POST /api/sagas/{id}/actions/{action}} with {@code {"reason": .., "step": ..}}. */
  SagaController.ActionResponse act(
      String id, String action, String reason, String step, Authentication auth) {
    ObjectNode body = json.createObjectNode();
    body.put("reason", reason == null ? "" : reason);
    if (step != null && !step.isBlank() && action.equals("retry-step")) {
      body.put("step", step);
    }
    String text = json.writeValueAsString(body);
    return switch (action) {
      case "retry-step" -> sagas.retryStep(id, text, auth);
      case "force-compensation" -> sagas.forceCompensation(id, text, auth);
      case "resolve" -> sagas.resolve(id, text, auth);
      default ->
          throw io.sagacoord.server.internal.problem.ApiException.notFound(
              "Unknown action", "no operator action '" + action + "'");
    };
  }

  /** {@code POST /api/quarantine/{id}/redeliver} with {@code {"reason": ..}}. */
  QuarantineController.RedeliveryResponse redeliver(String id, String reason, Authentication auth) {
    ObjectNode body = json.createObjectNode();
    body.put("reason", reason == null ? "" : reason);
    return quarantine.redeliver(id, json.writeValueAsString(body), auth);
  }

  private static HttpServletRequest withParams(
      HttpServletRequest request, Map<String, String> params) {
    Map<String, String[]> map = new LinkedHashMap<>();
    params.forEach(
        (k, v) -> {
          if (v != null && !v.isBlank()) {
            map.put(k, new String[] {v.strip()});
          }
        });
    Map<String, String[]> fixed = Collections.unmodifiableMap(map);
    return new HttpServletRequestWrapper(request) {
      @Override
      public String getParameter(String name) {
        String[] v = fixed.get(name);
        return v == null ? null : v[0];
      }

      @Override
      public Map<String, String[]> getParameterMap() {
        return fixed;
      }

      @Override
      public Enumeration<String> getParameterNames() {
        return Collections.enumeration(fixed.keySet());
      }

      @Override
      public String[] getParameterValues(String name) {
        String[] v = fixed.get(name);
        return v == null ? null : v.clone();
      }
    };
  }
}
