package io.sagacoord.participant;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The participant's periodic work on one daemon thread: the announcement (at once, then every
 * announce interval), the heartbeats (the announcement counts as the first) and the inbox purge.
 * Each run logs its own failure, so one failing run never stops the next.
 */
final class Housekeeping {
  private final ScheduledExecutorService scheduler;

  private Housekeeping(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  static Housekeeping start(
      ParticipantSettings settings, RegistryPublisher registry, InboxPurge purge) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "saga-" + settings.name() + "-housekeeping");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleAtFixedRate(
        registry::announceQuietly,
        0,
        settings.announceInterval().toMillis(),
        TimeUnit.MILLISECONDS);
    every(scheduler, settings.heartbeatInterval(), registry::heartbeatQuietly);
    every(scheduler, settings.purgeInterval(), purge::purgeQuietly);
    return new Housekeeping(scheduler);
  }

  private static void every(ScheduledExecutorService scheduler, Duration interval, Runnable task) {
    scheduler.scheduleAtFixedRate(
        task, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the periodic work; a run in progress is interrupted. */
  void stop() {
    scheduler.shutdownNow();
  }
}
