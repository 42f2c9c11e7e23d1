package io.sagacoord.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which collector the coordinator's extra JVM options select (the bench adds G1 otherwise). */
class CollectorChoiceTest {

  @Test
  void aCollectorFlagIsRecognisedAmongOtherOptions() {
    assertThat(CoordinatorJvm.collector(List.of("-Xlog:gc", "-XX:+UseParallelGC")))
        .isEqualTo("Parallel");
    assertThat(CoordinatorJvm.collector(List.of("-XX:+UseZGC"))).isEqualTo("Z");
  }

  @Test
  void optionsThatOnlyEndInGcSelectNone() {
    assertThat(
            CoordinatorJvm.collector(
                List.of("-XX:+UseAdaptiveSizePolicyWithSystemGC", "-XX:-UseParallelGC")))
        .isNull();
    assertThat(CoordinatorJvm.collector(List.of())).isNull();
  }
}
