package io.sagacoord.server.internal.query;

import io.sagacoord.server.internal.storage.QuarantineAdminDao;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Quarantined messages as the API shows them. */
@Service
public class QuarantineQueries {

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

  private final QuarantineAdminDao quarantine;
  private final ObjectMapper json;

  public QuarantineQueries(QuarantineAdminDao quarantine, ObjectMapper json) {
    this.quarantine = quarantine;
    this.json = json;
  }

  /**
   * Up to {@code limit} messages with an id above {@code after}, oldest first; only those not yet
   * redelivered when {@code pending}.
   */
  public List<QuarantinedMessage> page(long after, int limit, boolean pending) {
    return quarantine.page(after, limit, pending).stream().map(this::view).toList();
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
}
