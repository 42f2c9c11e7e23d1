package io.sagacoord.server.internal.start;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.config.SecProperties;
import org.springframework.stereotype.Component;

/**
 * Replies of running sagas come before new starts. While more replies wait on this coordinator's
 * reply partitions than {@code sec.starts.max-reply-lag}, a start over the API is refused at once
 * ({@link CoordinatorBusyException}: 503 with {@code Retry-After}) and the start consumer leaves
 * the start topic alone, so the starts wait there. Without this an overload of starts takes the
 * cores from the reply consumers: every running saga slows down while new ones keep coming, and the
 * backlog grows without bound. A crash recovery draining its replies refuses starts the same way
 * until it has caught up.
 */
@Component
public class StartAdmission {

  private final ReplyBacklog backlog;
  private final long maxReplyLag;
  private final Counter refused;

  public StartAdmission(SecProperties properties, ReplyBacklog backlog, MeterRegistry meters) {
    this.backlog = backlog;
    this.maxReplyLag = properties.starts().maxReplyLag();
    this.refused = StartBatcher.refusedCounter(meters);
  }

  /** Whether new starts wait: the replies waiting exceed the limit (0 turns the rule off). */
  public boolean startsWait() {
    return maxReplyLag > 0 && backlog.repliesWaiting() > maxReplyLag;
  }

  /**
   * @throws CoordinatorBusyException if new starts wait
   */
  public void admit() {
    if (startsWait()) {
      refused.increment();
      throw new CoordinatorBusyException(
          "the replies of running sagas come first: "
              + backlog.repliesWaiting()
              + " wait to be applied (more than sec.starts.max-reply-lag = "
              + maxReplyLag
              + "); try again later",
          StartBatcher.RETRY_AFTER);
    }
  }
}
