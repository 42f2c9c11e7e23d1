package io.sagacoord.server.internal.reply;

import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ProtocolException;
import io.sagacoord.protocol.RefusalCode;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.inbound.InboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A reply whose headers and body follow the protocol; {@link #parse} rejects anything else. {@code
 * refusalCode} is the {@code code} of a REFUSED reply's body ({@link RefusalCode}), null for other
 * outcomes or an unknown code: {@link #refusedForDeadline()} tells a command that arrived after the
 * saga deadline from one refused as stale or fenced.
 */
public record ParsedReply(
    UUID sagaId,
    String sagaType,
    String step,
    Phase phase,
    int attempt,
    UUID commandId,
    ReplyOutcome outcome,
    String participant,
    String bodyJson,
    RefusalCode refusalCode) {

  /** The participant refused the command unrun because it arrived after the saga deadline. */
  public boolean refusedForDeadline() {
    return refusalCode == RefusalCode.DEADLINE_PASSED;
  }

  /**
   * Parses a message of the reply topic.
   *
   * @throws ProtocolException naming what is wrong: missing or bad header, oversized or malformed
   *     body
   */
  static ParsedReply parse(InboundMessage record, int maxBytes, ObjectMapper json) {
    Map<String, String> h = record.headers();
    for (String name : SagaHeaders.REQUIRED_ON_REPLY) {
      if (h.get(name) == null || h.get(name).isBlank()) {
        throw new ProtocolException("missing header " + name);
      }
    }
    MessageKind kind = MessageKind.fromWire(h.get(SagaHeaders.MESSAGE_KIND));
    if (kind != MessageKind.REPLY) {
      throw new ProtocolException("message kind " + kind.wireName() + " on the reply topic");
    }
    UUID sagaId = uuid(h, SagaHeaders.SAGA_ID);
    UUID commandId = uuid(h, SagaHeaders.COMMAND_ID);
    int attempt;
    try {
      attempt = Integer.parseInt(h.get(SagaHeaders.ATTEMPT));
    } catch (NumberFormatException e) {
      throw new ProtocolException("header " + SagaHeaders.ATTEMPT + " is not a number");
    }
    if (attempt < 1) {
      throw new ProtocolException("header " + SagaHeaders.ATTEMPT + " must be at least 1");
    }
    Phase phase = Phase.fromWire(h.get(SagaHeaders.PHASE));
    ReplyOutcome outcome = ReplyOutcome.fromWire(h.get(SagaHeaders.OUTCOME));
    byte[] value = record.value();
    int size = value == null ? 0 : value.length;
    if (size > maxBytes) {
      throw new ProtocolException("reply of " + size + " bytes exceeds the limit of " + maxBytes);
    }
    String body = null;
    RefusalCode refusalCode = null;
    if (size > 0) {
      body = new String(value, StandardCharsets.UTF_8);
      JsonNode tree;
      try {
        tree = json.readTree(body);
      } catch (JacksonException e) {
        throw new ProtocolException("body is not valid JSON: " + e.getOriginalMessage());
      }
      if (outcome == ReplyOutcome.REFUSED) {
        refusalCode = refusalCode(tree);
      }
    }
    return new ParsedReply(
        sagaId,
        h.get(SagaHeaders.SAGA_TYPE),
        h.get(SagaHeaders.STEP),
        phase,
        attempt,
        commandId,
        outcome,
        h.get(SagaHeaders.PARTICIPANT),
        body,
        refusalCode);
  }

  private static RefusalCode refusalCode(JsonNode body) {
    String code = body.path("code").asString(null);
    if (code == null) {
      return null;
    }
    for (RefusalCode known : RefusalCode.values()) {
      if (known.name().equals(code)) {
        return known;
      }
    }
    return null;
  }

  private static UUID uuid(Map<String, String> h, String name) {
    try {
      return UUID.fromString(h.get(name));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("header " + name + " is not a UUID");
    }
  }
}
