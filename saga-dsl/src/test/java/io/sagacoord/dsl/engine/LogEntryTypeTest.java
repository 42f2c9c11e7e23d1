package io.sagacoord.dsl.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The stored names are what saga logs keep: they never change, and each reads back to its type. */
class LogEntryTypeTest {

  @Test
  void storedNamesAreTheOnesSagaLogsKeep() {
    assertThat(Arrays.stream(LogEntryType.values()).map(LogEntryType::stored))
        .containsExactly(
            "SAGA_STARTED",
            "COMMAND_SENT",
            "PARTICIPANT_UNAVAILABLE",
            "PARTICIPANT_WAIT_ENDED",
            "STEP_SKIPPED",
            "STEP_SUCCEEDED",
            "STEP_FAILED",
            "STEP_TIMED_OUT",
            "ATTEMPT_TIMED_OUT",
            "RETRY_SCHEDULED",
            "COMPENSATION_STARTED",
            "COMPENSATION_ABANDONED",
            "STEP_COMPENSATED",
            "STEP_COMPENSATION_FAILED",
            "DEADLINE_PASSED",
            "SAGA_COMPLETED",
            "SAGA_COMPENSATED",
            "SAGA_FAILED",
            "DEFINITION_CODE_FAILED",
            "OPERATOR_RETRY",
            "OPERATOR_FORCE_COMPENSATION",
            "OPERATOR_RESOLVED",
            "SAGA_PARKED",
            "SAGA_RESUMED",
            "EVENT_APPLIED");
  }

  @Test
  void everyStoredNameReadsBackToItsType() {
    for (LogEntryType type : LogEntryType.values()) {
      assertThat(LogEntryType.fromStored(type.stored())).isSameAs(type);
    }
  }

  @Test
  void anUnknownStoredNameIsRejectedByName() {
    assertThatThrownBy(() -> LogEntryType.fromStored("STEP_EXPLODED"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("STEP_EXPLODED");
    assertThatThrownBy(() -> LogEntryType.fromStored(null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
