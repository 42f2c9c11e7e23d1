package io.sagacoord.server.internal.kafka;

import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.outbox.OutboxRelay;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.SpringProperties;
import org.springframework.stereotype.Component;

/**
 * Starts the recovery path, the outbox relay and then the reply consumers, as soon as their beans
 * exist, instead of in the lifecycle after every other bean. The coordinator's own components are
 * created before the auto-configured ones (web MVC, security, OpenAPI, actuator, metrics), so the
 * replies that waited in Kafka while the coordinator was down are applied, and the next commands
 * sent, while the main thread still creates those (seconds on a loaded machine). The lifecycle
 * later finds both running and leaves them; it stops them at shutdown in its usual order. The timer
 * poller, the start batcher and the start and registry consumers still start in the lifecycle; a
 * due timer waits until the replies appended before its due time are applied ({@link
 * ReplyWatermark}). Readiness is unchanged: the web server (and with it the health endpoint) starts
 * last. {@code sec.kafka.early-start=false} leaves both to the lifecycle, and so does a run that
 * only refreshes the context ({@code -Dspring.context.exit=onRefresh} or {@code
 * spring.context.checkpoint}): it must not join the consumer group (with a running coordinator's
 * instance id it would fence that coordinator's consumers).
 */
@Component
public class EarlyReplyStart implements InitializingBean, DisposableBean {

  private static final Log log = LogFactory.getLog(EarlyReplyStart.class);

  private final OutboxRelay relay;
  private final ReplyConsumer replies;
  private final boolean enabled;
  private volatile boolean started;

  public EarlyReplyStart(OutboxRelay relay, ReplyConsumer replies, SecProperties properties) {
    this.relay = relay;
    this.replies = replies;
    this.enabled = properties.kafka().earlyStart() && !refreshOnly();
  }

  /** Whether Spring stops (or checkpoints) at the end of the refresh, before the lifecycle. */
  static boolean refreshOnly() {
    return SpringProperties.getProperty("spring.context.exit") != null
        || SpringProperties.getProperty("spring.context.checkpoint") != null;
  }

  @Override
  public void afterPropertiesSet() {
    if (!enabled) {
      return;
    }
    // the consumers hand the rows they commit to the relay: it runs first, as in the lifecycle
    if (!relay.isRunning()) {
      relay.start();
    }
    if (!replies.isRunning()) {
      replies.start();
    }
    started = true;
    log.debug("Outbox relay and reply consumers started before the context is refreshed");
  }

  /** Whether this bean started them (false when disabled). */
  public boolean started() {
    return started;
  }

  /**
   * A context whose refresh fails after this bean ran never starts (nor stops) its lifecycle: stop
   * what was started here, consumers first. After a normal run the lifecycle has stopped both.
   */
  @Override
  public void destroy() {
    if (replies.isRunning()) {
      replies.stop();
    }
    if (relay.isRunning()) {
      relay.stop();
    }
  }
}
