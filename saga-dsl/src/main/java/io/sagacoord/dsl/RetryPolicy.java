package io.sagacoord.dsl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How often an action is attempted and how long to wait between attempts. An immutable value: build
 * with {@link #fixed}, {@link #exponential} or {@link #none}, adjust with the {@code with*} copies.
 * Its structure (not any code) is part of a definition's fingerprint.
 *
 * <p>Ranges (attempts at least 1, positive delays) are checked by {@code SagaBuilder.build()},
 * which reports every problem with its step at once; {@link #problems()} lists them.
 *
 * @param backoff fixed or exponential
 * @param maxAttempts total attempts including the first one
 * @param initialDelay delay before the second attempt
 * @param multiplier growth factor per attempt (exponential only; 1 for fixed)
 * @param maxDelay upper bound of any delay, before jitter
 * @param jitter randomisation of the delay
 */
public record RetryPolicy(
    Backoff backoff,
    int maxAttempts,
    Duration initialDelay,
    double multiplier,
    Duration maxDelay,
    Jitter jitter) {

  /** The shape of the delay curve. */
  public enum Backoff {
    FIXED,
    EXPONENTIAL
  }

  /**
   * Default for forward actions: exponential, 3 attempts, 1 s doubling, max 1 min, equal jitter.
   */
  public static final RetryPolicy DEFAULT_FORWARD =
      exponential(3, Duration.ofSeconds(1))
          .withMaxDelay(Duration.ofMinutes(1))
          .withJitter(Jitter.EQUAL);

  /**
   * {@code maxAttempts} of a policy without a budget: attempts go on until one succeeds, each after
   * the capped back-off.
   */
  public static final int UNLIMITED_ATTEMPTS = Integer.MAX_VALUE;

  /**
   * Default for compensations: no budget (retried until the participant succeeds or answers with a
   * business failure), exponential, 1 s doubling, capped at 1 min, equal jitter. A compensation
   * releases what the saga holds, so an outage of its participant delays it but never ends it; an
   * author who wants a budget sets one with {@code compensationRetry(...)} or {@code
   * defaultCompensationRetry(...)}.
   */
  public static final RetryPolicy DEFAULT_COMPENSATION =
      exponential(UNLIMITED_ATTEMPTS, Duration.ofSeconds(1))
          .withMaxDelay(Duration.ofMinutes(1))
          .withJitter(Jitter.EQUAL);

  public RetryPolicy {
    Objects.requireNonNull(backoff, "backoff must not be null");
    Objects.requireNonNull(initialDelay, "initialDelay must not be null");
    Objects.requireNonNull(maxDelay, "maxDelay must not be null");
    Objects.requireNonNull(jitter, "jitter must not be null");
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException(
          "multiplier must be a finite number >= 1, was " + multiplier);
    }
  }

  /** The same delay before every retry; no jitter; max delay = the delay. */
  public static RetryPolicy fixed(int maxAttempts, Duration delay) {
    Objects.requireNonNull(delay, "delay must not be null");
    return new RetryPolicy(Backoff.FIXED, maxAttempts, delay, 1.0, delay, Jitter.NONE);
  }

  /**
   * Delays {@code initialDelay * 2^(n-1)}; no jitter; max delay 5 minutes (or the initial delay if
   * larger).
   */
  public static RetryPolicy exponential(int maxAttempts, Duration initialDelay) {
    Objects.requireNonNull(initialDelay, "initialDelay must not be null");
    Duration max = Duration.ofMinutes(5);
    return new RetryPolicy(
        Backoff.EXPONENTIAL,
        maxAttempts,
        initialDelay,
        2.0,
        initialDelay.compareTo(max) > 0 ? initialDelay : max,
        Jitter.NONE);
  }

  /** One attempt, never retried. */
  public static RetryPolicy none() {
    return fixed(1, Duration.ofSeconds(1));
  }

  public RetryPolicy withMaxAttempts(int maxAttempts) {
    return new RetryPolicy(backoff, maxAttempts, initialDelay, multiplier, maxDelay, jitter);
  }

  /**
   * @throws IllegalArgumentException if the multiplier is below 1
   */
  public RetryPolicy withMultiplier(double multiplier) {
    return new RetryPolicy(backoff, maxAttempts, initialDelay, multiplier, maxDelay, jitter);
  }

  public RetryPolicy withMaxDelay(Duration maxDelay) {
    return new RetryPolicy(backoff, maxAttempts, initialDelay, multiplier, maxDelay, jitter);
  }

  public RetryPolicy withJitter(Jitter jitter) {
    return new RetryPolicy(backoff, maxAttempts, initialDelay, multiplier, maxDelay, jitter);
  }

  /**
   * Whether attempts go on until one succeeds ({@code maxAttempts} is {@link #UNLIMITED_ATTEMPTS}).
   */
  public boolean isUnlimited() {
    return maxAttempts == UNLIMITED_ATTEMPTS;
  }

  /** Whether another attempt may follow attempt number {@code attemptsMade} (1-based). */
  public boolean allowsAnotherAttempt(int attemptsMade) {
    return isUnlimited() || attemptsMade < maxAttempts;
  }

  /**
   * The wait before attempt {@code nextAttempt} (2 for the first retry).
   *
   * @param random a number in [0, 1) used for jitter; the engine derives it deterministically from
   *     the saga, step, phase and attempt so that a replay computes the same delay
   */
  public Duration delayBefore(int nextAttempt, double random) {
    if (nextAttempt < 2) {
      throw new IllegalArgumentException("nextAttempt must be >= 2, was " + nextAttempt);
    }
    long baseMillis;
    if (backoff == Backoff.FIXED) {
      baseMillis = initialDelay.toMillis();
    } else {
      double raw = initialDelay.toMillis() * Math.pow(multiplier, nextAttempt - 2);
      baseMillis = raw >= Long.MAX_VALUE / 2.0 ? Long.MAX_VALUE / 2 : (long) raw;
    }
    long capped = Math.min(baseMillis, maxDelay.toMillis());
    long millis =
        switch (jitter) {
          case NONE -> capped;
          case FULL -> (long) Math.floor(capped * random);
          case EQUAL -> capped / 2 + (long) Math.floor((capped - capped / 2) * random);
        };
    return Duration.ofMillis(Math.max(0, millis));
  }

  /** Range problems of this policy, empty when valid (attempts >= 1, positive delays). */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (maxAttempts < 1) {
      problems.add("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (initialDelay.isZero() || initialDelay.isNegative()) {
      problems.add("initialDelay must be positive, was " + initialDelay);
    }
    if (maxDelay.isZero() || maxDelay.isNegative()) {
      problems.add("maxDelay must be positive, was " + maxDelay);
    }
    return problems;
  }
}
