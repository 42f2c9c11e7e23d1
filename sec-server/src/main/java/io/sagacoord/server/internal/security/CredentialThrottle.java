package io.sagacoord.server.internal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sagacoord.server.config.SecSecurityProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Counts failed credential attempts per remote address in a fixed window (see {@link
 * SecSecurityProperties.Throttle}). An address that reached the limit is refused until its window
 * ends, except for credentials that authenticated from it before: a caller that already works goes
 * on working, while guesses are not even checked. Both maps are bounded (Caffeine drops the least
 * used entries) and expire with the injected clock.
 */
public final class CredentialThrottle {

  /** How long a credential that authenticated from an address stays known there. */
  static final Duration KNOWN_FOR = Duration.ofHours(24);

  private record Window(Instant end, int failures) {}

  private final Clock clock;
  private final int maxFailures;
  private final Duration window;
  private final Cache<String, Window> failures;
  private final Cache<String, Boolean> known;

  public CredentialThrottle(SecSecurityProperties.Throttle settings, Clock clock) {
    this.clock = clock;
    this.maxFailures = settings.maxFailures();
    this.window = settings.window();
    this.failures =
        Caffeine.newBuilder()
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .maximumSize(settings.maxAddresses())
            .expireAfterWrite(window)
            .build();
    this.known =
        Caffeine.newBuilder()
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .maximumSize(settings.maxAddresses() * 4L)
            .expireAfterWrite(KNOWN_FOR)
            .build();
  }

  /**
   * How long {@code address} must wait before presenting {@code credentialDigest}, or empty when
   * the credential may be checked now.
   */
  public Optional<Duration> refusal(String address, String credentialDigest) {
    Window w = failures.getIfPresent(address);
    Instant now = clock.instant();
    if (w == null || w.failures() < maxFailures || !now.isBefore(w.end())) {
      return Optional.empty();
    }
    if (known.getIfPresent(address + ' ' + credentialDigest) != null) {
      return Optional.empty();
    }
    return Optional.of(Duration.between(now, w.end()));
  }

  /** Records a credential from {@code address} that did not authenticate. */
  public void failed(String address) {
    Instant now = clock.instant();
    failures
        .asMap()
        .compute(
            address,
            (a, w) ->
                w == null || !now.isBefore(w.end())
                    ? new Window(now.plus(window), 1)
                    : new Window(w.end(), w.failures() + 1));
  }

  /** Records a credential that authenticated from {@code address}. */
  public void succeeded(String address, String credentialDigest) {
    known.put(address + ' ' + credentialDigest, Boolean.TRUE);
  }
}
