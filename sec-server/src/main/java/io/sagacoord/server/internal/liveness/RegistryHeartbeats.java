package io.sagacoord.server.internal.liveness;

import java.time.Clock;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The heartbeats on the registry topic, and the interval an announcement carries, into {@code
 * saga_participant}. An instance counts as heard from when this coordinator reads its record (by
 * the coordinator's clock), so participants' clocks do not matter.
 */
@Component
public class RegistryHeartbeats {

  private static final Log log = LogFactory.getLog(RegistryHeartbeats.class);

  private final HeartbeatDao heartbeats;
  private final LivenessMetrics metrics;
  private final Clock clock;

  public RegistryHeartbeats(HeartbeatDao heartbeats, LivenessMetrics metrics, Clock clock) {
    this.heartbeats = heartbeats;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Records a heartbeat body ({@code participant}, {@code instance}, {@code intervalMs}). One of an
   * instance that has not announced itself is skipped: its announcement comes first on the same
   * partition.
   *
   * @throws IllegalArgumentException if the body lacks participant or instance, or has a bad
   *     interval
   */
  public void heartbeat(JsonNode body) {
    String participant = text(body, "participant");
    String instance = text(body, "instance");
    Long intervalMs = interval(body.get("intervalMs"));
    if (!heartbeats.record(participant, instance, intervalMs, clock.instant())) {
      log.debug(
          "Skipped a heartbeat of " + participant + "/" + instance + " before its announcement");
      return;
    }
    metrics.track(participant);
  }

  /** Records an announcement as the instance's first heartbeat, with the interval it carries. */
  public void announced(String participant, String instance, JsonNode intervalMs) {
    heartbeats.record(participant, instance, interval(intervalMs), clock.instant());
    metrics.track(participant);
  }

  private static Long interval(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (!node.canConvertToLong() || node.asLong() < 1) {
      throw new IllegalArgumentException("heartbeat interval must be a positive number: " + node);
    }
    return node.asLong();
  }

  private static String text(JsonNode body, String field) {
    String value = body.path(field).asString(null);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("heartbeat without " + field);
    }
    return value;
  }
}
