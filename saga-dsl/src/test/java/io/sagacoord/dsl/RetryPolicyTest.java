package io.sagacoord.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void exponentialDoublesUpToTheMaxDelay() {
    RetryPolicy p =
        RetryPolicy.exponential(10, Duration.ofSeconds(1)).withMaxDelay(Duration.ofSeconds(5));
    assertThat(p.delayBefore(2, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.delayBefore(3, 0.5)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.delayBefore(4, 0.5)).isEqualTo(Duration.ofSeconds(4));
    assertThat(p.delayBefore(5, 0.5)).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.delayBefore(60, 0.5)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void fixedKeepsTheSameDelay() {
    RetryPolicy p = RetryPolicy.fixed(3, Duration.ofMillis(250));
    assertThat(p.delayBefore(2, 0.9)).isEqualTo(Duration.ofMillis(250));
    assertThat(p.delayBefore(3, 0.1)).isEqualTo(Duration.ofMillis(250));
    assertThat(p.allowsAnotherAttempt(2)).isTrue();
    assertThat(p.allowsAnotherAttempt(3)).isFalse();
  }

  @Test
  void fullJitterDrawsBetweenZeroAndTheDelayAndEqualJitterBetweenHalfAndAll() {
    RetryPolicy full = RetryPolicy.fixed(3, Duration.ofSeconds(10)).withJitter(Jitter.FULL);
    assertThat(full.delayBefore(2, 0.0)).isEqualTo(Duration.ZERO);
    assertThat(full.delayBefore(2, 0.5)).isEqualTo(Duration.ofSeconds(5));
    RetryPolicy equal = RetryPolicy.fixed(3, Duration.ofSeconds(10)).withJitter(Jitter.EQUAL);
    assertThat(equal.delayBefore(2, 0.0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(equal.delayBefore(2, 0.999)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void noneAllowsASingleAttempt() {
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    assertThat(RetryPolicy.none().allowsAnotherAttempt(1)).isFalse();
  }

  @Test
  void theDefaultCompensationPolicyHasNoBudgetAndAnExplicitOneHas() {
    RetryPolicy dflt = RetryPolicy.DEFAULT_COMPENSATION;
    assertThat(dflt.isUnlimited()).isTrue();
    assertThat(dflt.allowsAnotherAttempt(1_000_000)).isTrue();
    assertThat(dflt.delayBefore(1_000_000, 0.999)).isLessThanOrEqualTo(dflt.maxDelay());
    RetryPolicy budget = RetryPolicy.exponential(10, Duration.ofSeconds(1));
    assertThat(budget.isUnlimited()).isFalse();
    assertThat(budget.allowsAnotherAttempt(10)).isFalse();
  }
}
