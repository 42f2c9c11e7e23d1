package io.sagacoord.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SagaIdsTest {

  @Test
  void isTheVersion5UuidOfTheLengthPrefixedTypeAndKey() {
    // computed independently (Python: SHA-1 of namespace bytes + >I length + type + key)
    assertThat(SagaIds.ofStart("trip", "order-42"))
        .hasToString("c549c1bb-1236-50a5-a4e0-dd7baf6fbf7c");
    assertThat(SagaIds.ofStart("réservation", "clé-1"))
        .hasToString("ee405556-1f90-57dc-968d-c4db1d652a7c");
    assertThat(SagaIds.ofStart("trip", "order-42").version()).isEqualTo(5);
    assertThat(SagaIds.ofStart("trip", "order-42").variant()).isEqualTo(2);
  }

  @Test
  void theTypeAndTheKeyCannotTradeCharacters() {
    assertThat(SagaIds.ofStart("ab", "c")).hasToString("262a939f-aee2-5dd8-a6cf-3daf7aa7ed44");
    assertThat(SagaIds.ofStart("a", "bc")).hasToString("e033df08-f3f2-5941-86c1-a491d465ccb2");
    assertThat(SagaIds.ofStart("trip", "k")).isNotEqualTo(SagaIds.ofStart("other", "k"));
    assertThat(SagaIds.ofStart("trip", "k")).isEqualTo(SagaIds.ofStart("trip", "k"));
  }
}
