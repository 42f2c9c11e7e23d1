package io.sagacoord.server.internal.kafka;

import io.sagacoord.server.internal.inbound.InboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Turns consumed records into {@link InboundMessage}s, the form intake and quarantine work on. */
final class Records {

  private Records() {}

  static InboundMessage inbound(ConsumerRecord<String, byte[]> record) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header header : record.headers()) {
      headers.put(
          header.key(),
          header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }
    return new InboundMessage(
        record.topic(), record.partition(), record.offset(), headers, record.value());
  }
}
