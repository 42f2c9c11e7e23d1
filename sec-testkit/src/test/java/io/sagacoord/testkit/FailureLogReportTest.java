package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.sagacoord.testkit.mains.EchoMain;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** A failing test gets the log tails of the child processes it started attached to its failure. */
class FailureLogReportTest {

  @Test
  void failingTestCarriesTheChildLogTail() {
    Event failure =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(FailsAfterStartingAChild.class))
            .configurationParameter("junit.jupiter.conditions.deactivate", "org.junit.*Disabled*")
            .execute()
            .testEvents()
            .failed()
            .stream()
            .findFirst()
            .orElseThrow();

    Throwable thrown =
        failure
            .getPayload(org.junit.platform.engine.TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    assertThat(thrown).hasMessage("deliberate failure");
    assertThat(Arrays.stream(thrown.getSuppressed()).map(Throwable::getMessage))
        .anySatisfy(
            m -> assertThat(m).contains("child process logs", "echoed-for-report", "args=marker"));
  }

  /** Runs only inside the engine test kit above (the condition is deactivated there). */
  @SagaInfraTest
  @org.junit.jupiter.api.Disabled("run by FailureLogReportTest through EngineTestKit")
  static class FailsAfterStartingAChild {
    @Test
    void deliberatelyFailsSoItsChildLogIsReported() {
      try (JavaProcess child =
          JavaProcess.builder(EchoMain.class.getName())
              .name("echoed-for-report")
              .args("marker")
              .start()) {
        child.waitForExit(Duration.ofSeconds(60));
      }
      throw new AssertionError("deliberate failure");
    }
  }
}
