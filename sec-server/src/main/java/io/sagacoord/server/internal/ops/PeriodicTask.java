package io.sagacoord.server.internal.ops;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;

/**
 * Work a coordinator does every period on a daemon thread of its own (retention purge, queue
 * vacuum, circuit sharing), for components that are a {@code SmartLifecycle}. A run that fails is
 * logged once with its cause, until a run succeeds again, and tried again after the next period;
 * the loop never ends but by {@link #stop()}.
 */
public final class PeriodicTask {

  private final String threadName;
  private final Log log;
  private final String failure;
  private volatile ScheduledExecutorService executor;
  private volatile boolean warned;

  /**
   * @param threadName the name of the task's thread
   * @param log where a failed run is logged
   * @param failure the warning of a failed run, e.g. "Retention purge failed; tried again later"
   */
  public PeriodicTask(String threadName, Log log, String failure) {
    this.threadName = threadName;
    this.log = log;
    this.failure = failure;
  }

  /** Runs {@code work} every {@code period}, the first time after one period; zero: never. */
  public synchronized void start(Duration period, Runnable work) {
    if (period.isZero() || period.isNegative() || executor != null) {
      return;
    }
    ScheduledExecutorService e =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    long millis = period.toMillis();
    e.scheduleWithFixedDelay(() -> runOnce(work), millis, millis, TimeUnit.MILLISECONDS);
    executor = e;
  }

  private void runOnce(Runnable work) {
    try {
      work.run();
      warned = false;
    } catch (RuntimeException e) {
      if (!warned) {
        warned = true;
        log.warn(failure, e);
      }
    }
  }

  /** Stops the thread; a run in progress is interrupted. */
  public synchronized void stop() {
    ScheduledExecutorService e = executor;
    if (e != null) {
      e.shutdownNow();
      executor = null;
    }
  }

  public boolean isRunning() {
    ScheduledExecutorService e = executor;
    return e != null && !e.isShutdown();
  }
}
