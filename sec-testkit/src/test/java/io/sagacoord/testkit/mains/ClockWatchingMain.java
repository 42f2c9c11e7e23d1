package io.sagacoord.testkit.mains;

import static org.awaitility.Awaitility.await;

import io.sagacoord.testkit.MovableClock;
import java.time.Duration;
import java.time.Instant;

/**
 * Opens the movable clock named by its system property, prints its offset, then watches it until it
 * runs at least an hour ahead of the system clock, says so and exits with 0 (1 when the move does
 * not come within a minute).
 */
public final class ClockWatchingMain {
  private ClockWatchingMain() {}

  public static void main(String[] args) {
    MovableClock clock = MovableClock.fromSystemProperty().orElseThrow();
    System.out.println("watching, offset " + clock.offset());
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(
              () ->
                  Duration.between(Instant.now(), clock.instant()).compareTo(Duration.ofHours(1))
                      >= 0);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println("the clock did not move an hour ahead");
      System.exit(1);
    }
    System.out.println("an hour ahead, offset " + clock.offset());
    System.exit(0);
  }
}
