package io.sagacoord.server.internal.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.server.support.TestClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When an instance is live, dead or not judged, against the coordinator's clock. */
class LivenessJudgementTest {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private final TestClock clock = new TestClock(T0);
  private final Liveness liveness =
      new Liveness(
          null,
          new LivenessProperties(
              StartWhenUnavailable.ACCEPT_AND_WAIT,
              3,
              Duration.ofSeconds(1),
              Duration.ofSeconds(5)),
          clock);

  @Test
  void anInstanceIsLiveUntilItHasMissedThreeHeartbeatsAndDeadAfter() {
    assertThat(liveness.judge(1000L, T0)).isEqualTo(InstanceLiveness.LIVE);
    clock.advance(Duration.ofMillis(3000));
    assertThat(liveness.judge(1000L, T0)).isEqualTo(InstanceLiveness.LIVE);
    clock.advance(Duration.ofMillis(1));
    assertThat(liveness.judge(1000L, T0)).isEqualTo(InstanceLiveness.DEAD);
    assertThat(liveness.judge(1000L, clock.instant())).isEqualTo(InstanceLiveness.LIVE);
  }

  @Test
  void anInstanceWithoutIntervalOrHeartbeatIsNotJudged() {
    clock.advance(Duration.ofDays(1));
    assertThat(liveness.judge(null, T0)).isEqualTo(InstanceLiveness.UNKNOWN);
    assertThat(liveness.judge(1000L, null)).isEqualTo(InstanceLiveness.UNKNOWN);
  }

  @Test
  void settingsOutOfRangeAreRefusedNamingTheProperty() {
    assertThatThrownBy(
            () ->
                new LivenessProperties(
                    StartWhenUnavailable.REFUSE, 0, Duration.ofSeconds(1), Duration.ofSeconds(5)))
        .hasMessageContaining("sec.liveness.missed-heartbeats");
    assertThatThrownBy(
            () ->
                new LivenessProperties(
                    StartWhenUnavailable.REFUSE, 3, Duration.ofSeconds(1), Duration.ZERO))
        .hasMessageContaining("sec.liveness.retry-after");
  }
}
