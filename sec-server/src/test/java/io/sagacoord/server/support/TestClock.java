package io.sagacoord.server.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * A clock for a coordinator under test that only moves when the test moves it. Thread-safe: the
 * coordinator's threads read it while the test sets it.
 */
public final class TestClock extends Clock {
  private volatile Instant now;

  public TestClock(Instant start) {
    this.now = start.truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return Clock.fixed(instant(), zone);
  }

  @Override
  public Instant instant() {
    return now;
  }

  /** Moves to {@code instant}; never backwards. */
  public synchronized void set(Instant instant) {
    if (instant.isBefore(now)) {
      throw new IllegalArgumentException("time moves forward only: " + instant + " < " + now);
    }
    now = instant;
  }

  public void advance(Duration duration) {
    set(now.plus(duration));
  }
}
