package io.sagacoord.dsl.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.TripSaga;
import org.junit.jupiter.api.Test;

/**
 * saga-dsl's own test class path has no registered codec, as a user's without saga-json-jackson.
 */
class HarnessCodecDiscoveryTest {

  @Test
  void withoutACodecOnTheClassPathTheHarnessNamesTheModuleToAdd() {
    assertThatThrownBy(() -> SagaHarness.given(TripSaga.sequential()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.sagacoord:saga-json-jackson")
        .hasMessageContaining("SagaHarness.given(definition, codec)");
  }
}
