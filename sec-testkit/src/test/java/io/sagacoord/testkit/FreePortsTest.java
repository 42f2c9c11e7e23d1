package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void portsOfOneRequestAreDistinct() {
    int[] ports = FreePorts.distinct(8);

    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(8);
  }

  @Test
  void noPortIsHandedOutTwiceInOneJvm() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      assertThat(seen.add(FreePorts.one())).as("port handed out again").isTrue();
    }
  }

  @Test
  void refusesACountBelowOne() {
    assertThatThrownBy(() -> FreePorts.distinct(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("count");
  }
}
