package io.sagacoord.server.internal.reply;

import java.time.Duration;
import java.time.Instant;

/**
 * How far reply intake has got, in time (implemented by the Kafka adapter's watermark). Timers ask
 * it before they fire, so a reply that a participant appended before its attempt's timeout or the
 * saga's deadline is applied first.
 */
public interface AppliedReplies {

  /**
   * Waits until every reply appended before {@code through} has been applied, by this coordinator
   * or any other of its group, at most {@code maxWait}. Returns whether that is so. {@code through}
   * must not lie ahead of the clock: only the past is confirmed.
   */
  boolean awaitApplied(Instant through, Duration maxWait);
}
