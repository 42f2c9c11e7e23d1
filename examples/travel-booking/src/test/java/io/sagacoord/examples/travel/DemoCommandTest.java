package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.examples.travel.demo.DemoMain;
import io.sagacoord.testkit.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The README's demo, run as a user runs it (its own JVM, its own embedded PostgreSQL and Kafka)
 * with the exit flag: it must print the outcome table and exit 0, which it does only when every
 * saga ended as expected.
 */
class DemoCommandTest {

  // as every child JVM of the tests: a run this short gains nothing from the optimizing compiler,
  // whose threads would only compete for the machine's cores with the demo's start
  private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

  @Test
  void demoWithExitFlagPrintsTheOutcomeTableAndExitsZero() throws Exception {
    try (JavaProcess demo =
        JavaProcess.builder(DemoMain.class.getName())
            .name("demo")
            .env("SEC_PORT", "0")
            .env("TRIP_PORT", "0")
            .jvmArg("-Xmx768m")
            .jvmArg(C1_ONLY)
            .args("--exit")
            .start()) {
      int exit = demo.waitForExit(Duration.ofMinutes(5));
      String output = Files.readString(demo.logFile());

      assertThat(output).contains("customer", "story", "expected", "actual");
      assertThat(output).contains("Ada", "Linus", "Barbara", "Edsger");
      assertThat(output).contains("Every saga ended as expected.");
      assertThat(exit).as(output).isZero();
      // it stops the services it started: no address of theirs is printed, and stopping them
      // logs no error
      assertThat(output).doesNotContain("Trip API:", "Coordinator API:", "Swagger UI:");
      String stopping = output.substring(output.indexOf("Every saga ended as expected."));
      assertThat(stopping).doesNotContain(" ERROR ", "Exception");
    }
  }

  @Test
  void demoWithTheJavaScriptCarServiceEndsEverySagaAsExpected() throws Exception {
    Assumptions.assumeTrue(
        nodeAvailable(), "node (Node.js) is not on the PATH: the demo's --js-car is not tested");
    try (JavaProcess demo =
        JavaProcess.builder(DemoMain.class.getName())
            .name("demo-js-car")
            .env("SEC_PORT", "0")
            .env("TRIP_PORT", "0")
            .jvmArg("-Xmx768m")
            .jvmArg(C1_ONLY)
            .args("--exit", "--js-car")
            .start()) {
      int exit = demo.waitForExit(Duration.ofMinutes(5));
      String output = Files.readString(demo.logFile());

      assertThat(output).contains("car-service.js behind the saga bridge");
      assertThat(output).contains("[car-service.js] car service listening on");
      assertThat(output).contains("Ada", "Linus", "Barbara", "Edsger");
      assertThat(output).contains("Every saga ended as expected.");
      assertThat(exit).as(output).isZero();
    }
  }

  private static boolean nodeAvailable() {
    try {
      Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
