package io.sagacoord.dsl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/** A clock that only moves when told to. UTC. Not thread-safe (tests drive it from one thread). */
public final class SettableClock extends Clock {
  private Instant now;

  public SettableClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start must not be null");
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a SettableClock stays in UTC");
  }

  @Override
  public Instant instant() {
    return now;
  }

  /** Moves to an instant; never backwards. */
  public void setInstant(Instant instant) {
    if (instant.isBefore(now)) {
      throw new IllegalArgumentException("time moves forward only: " + instant + " < " + now);
    }
    now = instant;
  }

  public void advance(Duration duration) {
    setInstant(now.plus(duration));
  }
}
