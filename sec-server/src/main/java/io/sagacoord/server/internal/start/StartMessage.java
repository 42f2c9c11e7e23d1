package io.sagacoord.server.internal.start;

import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.inbound.InboundMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A start message of the start topic, read: the saga type and idempotency key from the headers, the
 * data from the value (see {@code docs/protocol.md}, "Start").
 */
public record StartMessage(String sagaType, String idempotencyKey, String dataJson) {

  /** Why a message is not a start message; the reason it is quarantined with. */
  public static final class Invalid extends IllegalArgumentException {
    Invalid(String reason) {
      super(reason);
    }
  }

  /**
   * Reads a message of the start topic.
   *
   * @throws Invalid if a header is missing, the value is missing, larger than {@code maxBytes} or
   *     not UTF-8
   */
  public static StartMessage parse(InboundMessage record, int maxBytes) {
    String type = record.header(SagaHeaders.SAGA_TYPE);
    if (type == null || type.isBlank()) {
      throw new Invalid("header " + SagaHeaders.SAGA_TYPE + " is missing");
    }
    String key = record.header(SagaHeaders.IDEMPOTENCY_KEY);
    if (key == null || key.isBlank()) {
      throw new Invalid("header " + SagaHeaders.IDEMPOTENCY_KEY + " is missing");
    }
    byte[] value = record.value();
    if (value == null) {
      throw new Invalid("the message has no value (the saga data)");
    }
    if (value.length > maxBytes) {
      throw new Invalid("the data has " + value.length + " bytes, more than " + maxBytes);
    }
    try {
      String data =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString();
      return new StartMessage(type, key, data);
    } catch (CharacterCodingException e) {
      throw new Invalid("the data is not UTF-8");
    }
  }
}
