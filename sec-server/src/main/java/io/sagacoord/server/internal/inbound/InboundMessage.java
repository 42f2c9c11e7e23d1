package io.sagacoord.server.internal.inbound;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message as read from a topic, free of Kafka types: where it was read (topic, partition,
 * offset), its headers as UTF-8 text (in order; a header given twice keeps its last value) and its
 * raw value. The Kafka adapter turns records into these; reply and start intake parse them, and a
 * quarantine row keeps exactly these fields, so a redelivery rebuilds one from the row.
 */
public record InboundMessage(
    String topic, int partition, long offset, Map<String, String> headers, byte[] value) {

  public InboundMessage {
    // a header may have no value (null): an unmodifiable copy that keeps nulls and the order
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** The value of a header, or null when it is absent or has no value. */
  public String header(String name) {
    return headers.get(name);
  }

  /** Where the message was read, as {@code topic-partition@offset}. */
  public String position() {
    return topic + "-" + partition + "@" + offset;
  }
}
