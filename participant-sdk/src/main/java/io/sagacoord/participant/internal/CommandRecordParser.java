package io.sagacoord.participant.internal;

import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ProtocolException;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns a command record into an {@link InboundCommand}, or explains why it is poison. Everything
 * that can make a record unusable is checked here, before the transaction, so that a bad record
 * never rolls back a batch.
 */
public final class CommandRecordParser {
  /** Column widths of the inbox table. */
  private static final int MAX_TEXT = 200;

  private final Map<String, HandlerRegistration<?>> registrations;
  private final ObjectMapper json;

  public CommandRecordParser(Map<String, HandlerRegistration<?>> registrations, ObjectMapper json) {
    this.registrations = Map.copyOf(registrations);
    this.json = json;
  }

  public InboundCommand parse(String key, Headers headers, byte[] body)
      throws PoisonRecordException {
    for (String name : SagaHeaders.REQUIRED_ON_COMMAND) {
      if (headers.lastHeader(name) == null) {
        throw new PoisonRecordException("missing header " + name);
      }
    }
    String kind = text(headers, SagaHeaders.MESSAGE_KIND);
    try {
      if (MessageKind.fromWire(kind) != MessageKind.COMMAND) {
        throw new PoisonRecordException("message kind is '" + kind + "', expected command");
      }
    } catch (ProtocolException e) {
      throw new PoisonRecordException(e.getMessage());
    }
    UUID sagaId;
    try {
      sagaId = UUID.fromString(text(headers, SagaHeaders.SAGA_ID));
    } catch (IllegalArgumentException e) {
      throw new PoisonRecordException("header saga-id is not a UUID");
    }
    Phase phase;
    try {
      phase = Phase.fromWire(text(headers, SagaHeaders.PHASE));
    } catch (ProtocolException e) {
      throw new PoisonRecordException(e.getMessage());
    }
    int attempt;
    try {
      attempt = Integer.parseInt(text(headers, SagaHeaders.ATTEMPT));
    } catch (NumberFormatException e) {
      throw new PoisonRecordException("header saga-attempt is not an integer");
    }
    if (attempt < 1) {
      throw new PoisonRecordException("header saga-attempt must be at least 1, was " + attempt);
    }
    String sagaType = bounded(headers, SagaHeaders.SAGA_TYPE);
    String step = bounded(headers, SagaHeaders.STEP);
    String commandId = bounded(headers, SagaHeaders.COMMAND_ID);
    String commandType = bounded(headers, SagaHeaders.COMMAND_TYPE);
    String replyTopic = text(headers, SagaHeaders.REPLY_TOPIC);
    try {
      io.sagacoord.protocol.Topics.requireTopicName(replyTopic);
    } catch (IllegalArgumentException e) {
      throw new PoisonRecordException("header saga-reply-topic: " + e.getMessage());
    }
    Instant deadline = null;
    if (phase == Phase.FORWARD && headers.lastHeader(SagaHeaders.DEADLINE) != null) {
      try {
        deadline = Instant.ofEpochMilli(Long.parseLong(text(headers, SagaHeaders.DEADLINE)));
      } catch (NumberFormatException e) {
        throw new PoisonRecordException("header saga-deadline is not epoch milliseconds");
      }
    }
    if (key != null && !key.equals(sagaId.toString())) {
      throw new PoisonRecordException("record key '" + key + "' is not the saga id " + sagaId);
    }
    HandlerRegistration<?> registration = registrations.get(commandType);
    if (registration == null) {
      throw new PoisonRecordException("unknown command type '" + commandType + "'");
    }
    if (registration.phase() != phase) {
      throw new PoisonRecordException(
          "command type '"
              + commandType
              + "' is handled as "
              + registration.phase().wireName()
              + " but arrived as "
              + phase.wireName());
    }
    if (body == null) {
      throw new PoisonRecordException("record has no body");
    }
    Object command;
    try {
      command = json.readValue(body, registration.commandClass());
    } catch (JacksonException e) {
      throw new PoisonRecordException(
          "body is not a valid "
              + registration.commandClass().getSimpleName()
              + ": "
              + e.getOriginalMessage());
    }
    if (command == null) {
      throw new PoisonRecordException("body is JSON null");
    }
    Header trace = headers.lastHeader(SagaHeaders.TRACEPARENT);
    return new InboundCommand(
        sagaId,
        sagaType,
        step,
        phase,
        attempt,
        commandId,
        commandType,
        replyTopic,
        deadline,
        trace == null ? null : new String(trace.value(), StandardCharsets.UTF_8),
        command,
        registration);
  }

  private static String text(Headers headers, String name) throws PoisonRecordException {
    Header header = headers.lastHeader(name);
    if (header == null || header.value() == null) {
      throw new PoisonRecordException("missing header " + name);
    }
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String bounded(Headers headers, String name) throws PoisonRecordException {
    String value = text(headers, name);
    if (value.isBlank()) {
      throw new PoisonRecordException("header " + name + " is blank");
    }
    if (value.length() > MAX_TEXT) {
      throw new PoisonRecordException("header " + name + " is longer than " + MAX_TEXT);
    }
    return value;
  }
}
