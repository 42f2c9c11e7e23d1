package io.sagacoord.server.internal.start;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.config.SecProperties;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class StartAdmissionTest {

  private final AtomicLong waiting = new AtomicLong();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private StartAdmission admission(Map<String, String> settings) {
    SecProperties properties =
        new Binder(new MapConfigurationPropertySource(settings))
            .bindOrCreate("sec", SecProperties.class);
    return new StartAdmission(properties, waiting::get, meters);
  }

  @Test
  void startsAreAdmittedUpToTheLimitOfWaitingReplies() {
    StartAdmission admission = admission(Map.of("sec.starts.max-reply-lag", "100"));
    waiting.set(100);

    assertThat(admission.startsWait()).isFalse();
    assertThatCode(admission::admit).doesNotThrowAnyException();
  }

  @Test
  void beyondTheLimitStartsWaitAndTheApiIsToldToComeBack() {
    StartAdmission admission = admission(Map.of("sec.starts.max-reply-lag", "100"));
    waiting.set(101);

    assertThat(admission.startsWait()).isTrue();
    assertThatThrownBy(admission::admit)
        .isInstanceOfSatisfying(
            CoordinatorBusyException.class,
            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)))
        .hasMessageContaining("101 wait to be applied")
        .hasMessageContaining("sec.starts.max-reply-lag = 100");
    assertThat(meters.counter("sec.starts.refused").count()).isEqualTo(1);

    waiting.set(40);
    assertThat(admission.startsWait()).isFalse();
  }

  @Test
  void theDefaultLimitIsTwoThousandRepliesAndZeroTurnsTheRuleOff() {
    waiting.set(2_001);
    assertThat(admission(Map.of()).startsWait()).isTrue();

    waiting.set(Long.MAX_VALUE);
    assertThat(admission(Map.of("sec.starts.max-reply-lag", "0")).startsWait()).isFalse();
  }

  @Test
  void aNegativeLimitIsRefusedWhenBound() {
    assertThatThrownBy(() -> admission(Map.of("sec.starts.max-reply-lag", "-1")))
        .hasRootCauseMessage("sec.starts.max-reply-lag must not be negative: -1");
  }
}
