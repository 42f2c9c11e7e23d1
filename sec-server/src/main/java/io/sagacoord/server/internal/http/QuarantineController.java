package io.sagacoord.server.internal.http;

import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.internal.operator.OperatorActions;
import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.query.QuarantineQueries;
import io.sagacoord.server.internal.query.QuarantineQueries.QuarantinedMessage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.ObjectMapper;

/** Quarantined messages (VIEWER) and their redelivery (OPERATOR). */
@RestController
@RequestMapping("/api/quarantine")
public class QuarantineController {

  /** One page; {@code nextAfter} is the {@code after} of the next page, null on the last. */
  public record QuarantinePage(List<QuarantinedMessage> items, Long nextAfter, int limit) {}

  /** The outcome of a redelivery. */
  public record RedeliveryResponse(
      long quarantineId, UUID sagaId, String outcome, Long requarantinedAs, String reason) {}

  private final QuarantineQueries quarantine;
  private final OperatorActions actions;
  private final SecApiProperties api;
  private final ObjectMapper json;

  public QuarantineController(
      QuarantineQueries quarantine,
      OperatorActions actions,
      SecApiProperties api,
      ObjectMapper json) {
    this.quarantine = quarantine;
    this.actions = actions;
    this.api = api;
    this.json = json;
  }

  @GetMapping
  public QuarantinePage list(HttpServletRequest request) {
    QueryParams p = new QueryParams(request, Set.of("after", "limit", "pending"));
    String afterText = p.text("after");
    long after = afterText == null ? 0 : QueryParams.id("after", afterText);
    int limit = p.limit(api.defaultPageSize(), api.maxPageSize());
    String pendingText = p.text("pending");
    boolean pending;
    if (pendingText == null || pendingText.equals("false")) {
      pending = false;
    } else if (pendingText.equals("true")) {
      pending = true;
    } else {
      throw ApiException.badRequest("pending must be true or false");
    }
    List<QuarantinedMessage> rows = quarantine.page(after, limit + 1, pending);
    List<QuarantinedMessage> items = List.copyOf(rows.subList(0, Math.min(limit, rows.size())));
    Long next = rows.size() > limit ? items.get(items.size() - 1).id() : null;
    return new QuarantinePage(items, next, limit);
  }

  @PostMapping(path = "/{id}/redeliver", consumes = MediaType.APPLICATION_JSON_VALUE)
  public RedeliveryResponse redeliver(
      @PathVariable String id, @RequestBody(required = false) String body, Authentication auth) {
    long quarantineId = QueryParams.id("quarantine id", id);
    SagaController.ActionRequest request = SagaController.parseReasonBody(json, body, false);
    OperatorActions.Redelivered r =
        actions.redeliver(quarantineId, SagaController.caller(auth), request.reason());
    return new RedeliveryResponse(
        r.quarantineId(), r.sagaId(), r.outcome(), r.requarantinedAs(), r.reason());
  }
}
