package io.sagacoord.server.internal.liveness;

import io.sagacoord.dsl.StartWhenUnavailable;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of participant liveness and the start gate, under the prefix {@code sec.liveness}; see
 * {@code docs/coordinator.md}.
 *
 * @param whenUnavailable what a start does when a participant of its first commands is unavailable,
 *     for definitions that do not say: {@code accept-and-wait} (default) or {@code refuse}
 * @param missedHeartbeats how many heartbeat intervals without a heartbeat make an instance dead;
 *     default 3
 * @param refreshInterval how old the gate's view of the registry may be before a start reads it
 *     again; default 1 s
 * @param retryAfter the {@code Retry-After} of a refused start; default 5 s
 */
@ConfigurationProperties("sec.liveness")
public record LivenessProperties(
    @DefaultValue("accept-and-wait") StartWhenUnavailable whenUnavailable,
    @DefaultValue("3") int missedHeartbeats,
    @DefaultValue("1s") Duration refreshInterval,
    @DefaultValue("5s") Duration retryAfter) {

  public LivenessProperties {
    if (whenUnavailable == null) {
      throw new IllegalArgumentException("sec.liveness.when-unavailable must be set");
    }
    if (missedHeartbeats < 1) {
      throw new IllegalArgumentException(
          "sec.liveness.missed-heartbeats must be at least 1, was " + missedHeartbeats);
    }
    if (refreshInterval == null || refreshInterval.isNegative()) {
      throw new IllegalArgumentException("sec.liveness.refresh-interval must not be negative");
    }
    if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
      throw new IllegalArgumentException("sec.liveness.retry-after must be positive");
    }
  }
}
