package io.sagacoord.examples.travel.common;

import static java.time.temporal.ChronoUnit.MILLIS;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a demo service misbehaves on purpose, so that demos and tests can show compensation:
 *
 * <ul>
 *   <li>{@code failureRate}: the share of reservations refused as a business failure;
 *   <li>{@code addedLatency}: a pause before every reservation;
 *   <li>{@code silentKeys}: resources (a hotel id, say) for which the service takes so long that
 *       the coordinator's step timeout passes first: to the coordinator it does not answer.
 * </ul>
 *
 * Immutable; a service holds the current value in a volatile field and can be given a new one while
 * it runs.
 */
public record Misbehaviour(
    double failureRate, Duration addedLatency, Set<String> silentKeys, Duration silentFor) {

  private static final long LOOK_MILLIS = 50;

  /** Behaves. */
  public static final Misbehaviour NONE =
      new Misbehaviour(0.0, Duration.ZERO, Set.of(), Duration.ofSeconds(6));

  public Misbehaviour {
    if (!(failureRate >= 0.0 && failureRate <= 1.0)) {
      throw new IllegalArgumentException("failureRate must be between 0 and 1, was " + failureRate);
    }
    if (addedLatency == null || addedLatency.isNegative()) {
      throw new IllegalArgumentException("addedLatency must be zero or positive");
    }
    if (silentFor == null || silentFor.isNegative()) {
      throw new IllegalArgumentException("silentFor must be zero or positive");
    }
    silentKeys = Set.copyOf(silentKeys);
  }

  public Misbehaviour withFailureRate(double rate) {
    return new Misbehaviour(rate, addedLatency, silentKeys, silentFor);
  }

  public Misbehaviour withAddedLatency(Duration latency) {
    return new Misbehaviour(failureRate, latency, silentKeys, silentFor);
  }

  public Misbehaviour withSilentKeys(Set<String> keys, Duration silentFor) {
    return new Misbehaviour(failureRate, addedLatency, keys, silentFor);
  }

  /**
   * Pauses as configured for this key, measured on the service's {@code clock}; returns a refusal
   * reason if this call should fail.
   */
  public String apply(String key, Clock clock) throws InterruptedException {
    Duration pause = silentKeys.contains(key) ? silentFor : addedLatency;
    if (!pause.isZero()) {
      pause(pause, clock);
    }
    if (failureRate > 0 && ThreadLocalRandom.current().nextDouble() < failureRate) {
      return "refused by the demo's failure rate (" + failureRate + ")";
    }
    return null;
  }

  /**
   * Waits until {@code clock} has moved on by {@code pause}, looking at it at least every {@value
   * #LOOK_MILLIS} ms: on the system clock that is a sleep; a clock a test moves ends it at its
   * move.
   */
  private static void pause(Duration pause, Clock clock) throws InterruptedException {
    Instant until = clock.instant().plus(pause);
    for (long left = pause.toMillis(); left > 0; left = clock.instant().until(until, MILLIS)) {
      Thread.sleep(Math.min(left, LOOK_MILLIS));
    }
  }
}
