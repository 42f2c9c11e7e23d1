package io.sagacoord.participant;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a handler that cannot finish its command now but expects to later (the remote service
 * it calls answered 503 and asked to be called again in a few seconds). The SDK rolls the handler's
 * work back, records and answers nothing, and runs the command again once {@code delay} has passed.
 * Meanwhile the command's saga waits (its later commands stay behind it, in order), while the
 * commands of other sagas go on: no handler thread waits out the delay, and no other command of the
 * batch is held up. The command's offset is not committed until it is answered, so a crash or a
 * revocation meanwhile makes it be read and run again.
 *
 * <p>The SDK does not count deferrals: the handler decides when to stop deferring and throw (a
 * technical failure) or return an outcome. A command deferred for ever would hold its saga and its
 * partition's offset for ever.
 */
public final class RetryLater extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Duration delay;

  /**
   * @param delay how long to wait before the command is run again (zero or positive)
   * @param reason why, for the log
   */
  public RetryLater(Duration delay, String reason) {
    super(reason, null, false, false);
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be zero or positive, was " + delay);
    }
    this.delay = delay;
  }

  /** How long the command waits before it is run again. */
  public Duration delay() {
    return delay;
  }
}
