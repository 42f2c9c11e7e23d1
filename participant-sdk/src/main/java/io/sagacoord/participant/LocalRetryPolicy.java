package io.sagacoord.participant;

import java.time.Duration;

/**
 * How often a handler that throws is run again inside the same batch before the command is answered
 * {@code TECHNICAL_FAILURE}. The back-off doubles after each try, capped at {@code maxBackoff}.
 * Default: 3 runs in all, 50 ms then 100 ms between them.
 *
 * @param maxRuns how many times the handler runs at most (1 = no local retry)
 * @param initialBackoff pause before the second run
 * @param maxBackoff the longest pause
 */
public record LocalRetryPolicy(int maxRuns, Duration initialBackoff, Duration maxBackoff) {

  /** 3 runs, 50 ms then 100 ms apart. */
  public static final LocalRetryPolicy DEFAULT =
      new LocalRetryPolicy(3, Duration.ofMillis(50), Duration.ofSeconds(1));

  public LocalRetryPolicy {
    if (maxRuns < 1) {
      throw new IllegalArgumentException("maxRuns must be at least 1, was " + maxRuns);
    }
    if (initialBackoff == null || initialBackoff.isNegative()) {
      throw new IllegalArgumentException("initialBackoff must be zero or positive");
    }
    if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
    }
  }

  /** Runs once, never retries locally (the coordinator's step policy still may). */
  public static LocalRetryPolicy none() {
    return new LocalRetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /** The pause after the {@code run}-th failed run (1-based). */
  public Duration backoffAfter(int run) {
    long millis = initialBackoff.toMillis();
    for (int i = 1; i < run && millis < maxBackoff.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }
}
