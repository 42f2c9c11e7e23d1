package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaEvents;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * How events are stored in {@code saga_log.event}: the engine's own form ({@link SagaEvents}), and
 * the start as {@code {"type": "Start", "dataJson": "..."}} (the data text exactly as the engine
 * received it). Replaying these reproduces a saga's state.
 */
@Component
public class EventJson {

  public static final String START = "Start";

  private final ObjectMapper json;
  private final JacksonJsonCodec codec;

  public EventJson(ObjectMapper json) {
    this.json = json;
    this.codec = new JacksonJsonCodec(json);
  }

  public String start(String dataJson) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("type", START);
    node.put("dataJson", dataJson);
    return json.writeValueAsString(node);
  }

  public static final String PARK = "Park";
  public static final String RESUME = "Resume";

  /** A park by the coordinator (definition missing or changed). */
  public String park(String reason) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("type", PARK);
    node.put("reason", reason);
    return json.writeValueAsString(node);
  }

  /** A resume by the coordinator (definition loaded again). */
  public String resume() {
    return json.writeValueAsString(Map.of("type", RESUME));
  }

  /** The reason of a stored park event. */
  public String parkReason(String stored) {
    return json.readTree(stored).get("reason").asString();
  }

  public String toJson(SagaEvent event) {
    return SagaEvents.toJson(event);
  }

  /** The type name of a stored event ({@link #START} for the start). */
  public String type(String stored) {
    return json.readTree(stored).get("type").asString();
  }

  /** The start data of a stored start event. */
  public String startData(String stored) {
    return json.readTree(stored).get("dataJson").asString();
  }

  public SagaEvent fromJson(String stored) {
    return SagaEvents.fromJson(codec, stored);
  }
}
