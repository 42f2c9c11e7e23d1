package io.sagacoord.server.internal.web;

import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.internal.api.OperatorActions;
import io.sagacoord.server.internal.api.QueryParams;
import io.sagacoord.server.internal.persistence.QuarantineAdminDao;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Quarantined messages (VIEWER) and their redelivery (OPERATOR). */
@RestController
@RequestMapping("/api/quarantine")
public class QuarantineController {

  /** A quarantined message. The body is UTF-8 text when it decodes, else base64. */
  public record QuarantinedMessage(
      long id,
      String reason,
      UUID sagaId,
      String topic,
      int partition,
      long offset,
      JsonNode headers,
      String body,
      String bodyEncoding,
      Instant receivedAt,
      Instant redeliveredAt,
      String redeliveredBy) {}

  /** One page; {@code nextAfter} is the {@code after} of the next page, null on the last. */
  public record QuarantinePage(List<QuarantinedMessage> items, Long nextAfter, int limit) {}

  /** The outcome of a redelivery. */
  public record RedeliveryResponse(
      long quarantineId, UUID sagaId, String outcome, Long requarantinedAs, String reason) {}

  private final QuarantineAdminDao quarantine;
  private final OperatorActions actions;
  private final SecApiProperties api;
  private final ObjectMapper json;

  public QuarantineController(
      QuarantineAdminDao quarantine,
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
      throw io.sagacoord.server.internal.api.ApiException.badRequest(
          "pending must be true or false");
    }
    List<QuarantineAdminDao.Entry> rows = quarantine.page(after, limit + 1, pending);
    List<QuarantinedMessage> items = new ArrayList<>();
    for (QuarantineAdminDao.Entry e : rows.subList(0, Math.min(limit, rows.size()))) {
      items.add(view(e));
    }
    Long next = rows.size() > limit ? items.get(items.size() - 1).id() : null;
    return new QuarantinePage(items, next, limit);
  }

  private QuarantinedMessage view(QuarantineAdminDao.Entry e) {
    String body = null;
    String encoding = "none";
    if (e.rawBody() != null) {
      try {
        body =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(e.rawBody()))
                .toString();
        encoding = "utf-8";
      } catch (CharacterCodingException ex) {
        body = Base64.getEncoder().encodeToString(e.rawBody());
        encoding = "base64";
      }
    }
    return new QuarantinedMessage(
        e.id(),
        e.reason(),
        e.sagaId(),
        e.topic(),
        e.partition(),
        e.offset(),
        json.readTree(e.headersJson()),
        body,
        encoding,
        e.receivedAt(),
        e.redeliveredAt(),
        e.redeliveredBy());
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
