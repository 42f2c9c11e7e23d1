package io.sagacoord.testkit.mains;

import io.sagacoord.testkit.MovableClock;
import java.time.Duration;
import java.time.Instant;

/**
 * Opens the movable clock named by its system property, prints its offset, then watches it until it
 * runs at least an hour ahead of the system clock, says so and exits with 0.
 */
public final class ClockWatchingMain {
  private ClockWatchingMain() {}

  public static void main(String[] args) throws InterruptedException {
    MovableClock clock = MovableClock.fromSystemProperty().orElseThrow();
    System.out.println("watching, offset " + clock.offset());
    while (Duration.between(Instant.now(), clock.instant()).compareTo(Duration.ofHours(1)) < 0) {
      Thread.sleep(5);
    }
    System.out.println("an hour ahead, offset " + clock.offset());
    System.exit(0);
  }
}
