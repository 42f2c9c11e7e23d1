package io.sagacoord.server.internal.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sagacoord.server.internal.persistence.OutboxDao;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The coordinator's meters. Counters move only after the transaction that caused them committed.
 */
@Component
public class SecMetrics {

  private final MeterRegistry registry;
  private final Counter quarantined;
  private final Counter ignored;
  private final Counter late;
  private final Counter batchFallbacks;
  private final Timer timerLateness;
  private final AtomicLong outboxBacklog = new AtomicLong();
  private final OutboxDao outbox;

  public SecMetrics(MeterRegistry registry, OutboxDao outbox) {
    this.registry = registry;
    this.outbox = outbox;
    this.quarantined = registry.counter("sec.replies.quarantined");
    this.ignored = registry.counter("sec.replies.ignored");
    this.late = registry.counter("sec.replies.late");
    this.batchFallbacks = registry.counter("sec.replies.batch.fallbacks");
    this.timerLateness =
        Timer.builder("sec.timers.lateness")
            .description("how long after its due time a timer fired")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    Gauge.builder("sec.outbox.backlog", this, SecMetrics::refreshBacklog)
        .description("rows waiting in saga_outbox")
        .register(registry);
  }

  private double refreshBacklog() {
    try {
      outboxBacklog.set(outbox.count());
    } catch (RuntimeException e) {
      // keep the last known value when the database is unreachable
    }
    return outboxBacklog.get();
  }

  /** Counts a saga reaching a status: started, completed, compensated, failed or parked. */
  public void sagaStatus(String what, String sagaType) {
    AfterCommit.run(() -> registry.counter("sec.sagas." + what, "type", sagaType).increment());
  }

  public void quarantined() {
    AfterCommit.run(quarantined::increment);
  }

  public void ignored() {
    ignored.increment();
  }

  /**
   * A reply for a saga that already finished (usually a late duplicate after a timeout or a
   * resend): quarantined, and counted here as late.
   */
  public void lateReply() {
    late.increment();
  }

  /** A reply batch that could not be written at once and was applied reply by reply. */
  public void batchFallback() {
    batchFallbacks.increment();
  }

  /** A timer fired this long after its due time (recorded once its transaction committed). */
  public void timerFired(Duration lateness) {
    AfterCommit.run(() -> timerLateness.record(lateness));
  }

  /** Time from sending a step's command to the reply that settled it. */
  public void stepLatency(String sagaType, String step, String phase, Duration latency) {
    AfterCommit.run(
        () ->
            Timer.builder("sec.step.latency")
                .tags("type", sagaType, "step", step, "phase", phase)
                .register(registry)
                .record(latency));
  }
}
