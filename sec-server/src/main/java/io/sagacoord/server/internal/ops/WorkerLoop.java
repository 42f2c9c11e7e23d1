package io.sagacoord.server.internal.ops;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A component that works in a loop on daemon threads of its own while the coordinator runs (the
 * reply, start and registry consumers, the outbox relay, the timer poller, the start writers, the
 * periodic tasks). It owns what they share: the threads, the running flag, the lifecycle phase, a
 * stop that waits a bounded time, and what a failing pass costs.
 *
 * <p>Each thread calls {@link #open} once, then {@link #pass} until {@link #stop()} (and after it
 * while {@link #workLeft()}), then {@link #close}. A pass that throws is tried again after {@link
 * #backOff()}. The failure is logged once, one WARN line with its innermost cause (the stack trace
 * at DEBUG), and one INFO line says when passes work again: a database or broker outage costs two
 * lines per component, not a stack trace per pass. A fatal error ({@link Failures#isFatal}) ends
 * the thread. What a pass throws once the component is stopping is logged at DEBUG only.
 */
public abstract class WorkerLoop implements SmartLifecycle {

  /** How long {@link #stop()} waits, in all, for the threads to finish their pass and close. */
  static final Duration JOIN = Duration.ofSeconds(15);

  private final Log log = LogFactory.getLog(getClass());
  private final String threadName;
  private final int threadCount;
  private final String what;
  private final int phase;
  private final Duration backOff;

  /** Threads whose last pass failed: a WARN when the first fails, an INFO when none does. */
  private final AtomicInteger failing = new AtomicInteger();

  // stop() interrupts a thread (when the component asks for it) only before its close(): an
  // interrupt there would cut short what close() waits for (a Kafka client's clean leave)
  private final Object interruptLock = new Object();
  private boolean[] closing = new boolean[0];

  private volatile Thread[] threads;
  private volatile boolean running;

  /**
   * A loop on one thread.
   *
   * @param threadName the thread's name
   * @param what what the logs call the component, e.g. "Timer poller"
   * @param phase the lifecycle phase ({@link SmartLifecycle#DEFAULT_PHASE} for the last)
   * @param backOff how long a failed pass waits before the next (zero: not at all)
   */
  protected WorkerLoop(String threadName, String what, int phase, Duration backOff) {
    this(threadName, 1, what, phase, backOff);
  }

  /**
   * A loop on {@code threadCount} threads, named {@code threadPrefix-0} and on; each runs the same
   * passes, told apart by its index.
   */
  protected WorkerLoop(
      String threadPrefix, int threadCount, String what, int phase, Duration backOff) {
    if (threadCount < 1) {
      throw new IllegalArgumentException("threadCount must be positive: " + threadCount);
    }
    this.threadName = threadPrefix;
    this.threadCount = threadCount;
    this.what = what;
    this.phase = phase;
    this.backOff = backOff;
  }

  /** Whether {@link #start()} starts the threads at all (a feature switched off: false). */
  protected boolean enabled() {
    return true;
  }

  /** Prepares the threads' resources, on the caller's thread, before any thread starts. */
  protected void starting() {}

  /**
   * Runs on thread {@code worker} before its first pass. What it throws ends the thread (logged as
   * an ERROR with its stack trace): the component cannot work without it.
   */
  protected void open(int worker) throws Exception {}

  /**
   * One pass of thread {@code worker}: waits for work (a bounded time, or until {@link #stop()}
   * wakes it) and does it. An {@link InterruptedException} while stopping ends the loop.
   */
  protected abstract void pass(int worker) throws Exception;

  /** Whether a pass is still due once stopped: work accepted before the stop. Default none. */
  protected boolean workLeft() {
    return false;
  }

  /** Runs on thread {@code worker} after its last pass (also when {@link #open} failed). */
  protected void close(int worker) {}

  /** Wakes what the threads wait on (a consumer's poll, for example), after the flag is cleared. */
  protected void stopping() {}

  /** Releases what the threads shared, once they ended (or the wait for them ran out). */
  protected void stopped() {}

  /**
   * Whether {@link #stop()} interrupts the threads (never during {@link #close}) to end a wait that
   * neither {@link #stopping()} nor an unpark ends.
   */
  protected boolean interruptOnStop() {
    return false;
  }

  /** Waits after a failed pass; by default the back-off given at construction, ended by a stop. */
  protected void backOff() {
    pause(backOff);
  }

  /**
   * Parks the calling thread for {@code duration}, or until {@link #stop()}; returns whether the
   * component still runs. {@link #wakeWorkers()} does not end it.
   */
  protected final boolean pause(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    while (running) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return true;
      }
      LockSupport.parkNanos(this, left);
      // an interrupt comes from stop() (the flag is down then) or is stray: no reason to spin
      Thread.interrupted();
    }
    return false;
  }

  /** Unparks the threads (a thread parked in its pass looks again at what it waits for). */
  protected final void wakeWorkers() {
    Thread[] ts = threads;
    if (ts != null) {
      for (Thread t : ts) {
        LockSupport.unpark(t);
      }
    }
  }

  @Override
  public final synchronized void start() {
    if (running || !enabled()) {
      return;
    }
    starting();
    Thread[] ts = new Thread[threadCount];
    for (int i = 0; i < threadCount; i++) {
      int worker = i;
      ts[i] = new Thread(() -> run(worker), threadCount == 1 ? threadName : threadName + "-" + i);
      ts[i].setDaemon(true);
    }
    synchronized (interruptLock) {
      closing = new boolean[threadCount];
    }
    threads = ts;
    running = true;
    for (Thread t : ts) {
      t.start();
    }
  }

  @Override
  public final synchronized void stop() {
    Thread[] ts = threads;
    if (ts == null) {
      return;
    }
    running = false;
    wakeWorkers();
    if (interruptOnStop()) {
      synchronized (interruptLock) {
        for (int i = 0; i < ts.length; i++) {
          if (!closing[i]) {
            ts[i].interrupt();
          }
        }
      }
    }
    stopping();
    long deadline = System.nanoTime() + JOIN.toNanos();
    try {
      for (Thread t : ts) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          t.join(Math.max(1, left / 1_000_000));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Thread t : ts) {
      if (t.isAlive()) {
        log.warn(t.getName() + " did not end within " + JOIN.toSeconds() + " s of the stop");
      }
    }
    threads = null;
    stopped();
  }

  @Override
  public final boolean isRunning() {
    return running;
  }

  @Override
  public final int getPhase() {
    return phase;
  }

  private void run(int worker) {
    try {
      if (opened(worker)) {
        loop(worker);
      }
    } finally {
      synchronized (interruptLock) {
        closing[worker] = true;
        Thread.interrupted();
      }
      try {
        close(worker);
      } catch (RuntimeException e) {
        log.debug(what + ": closing failed", e);
      }
    }
  }

  private boolean opened(int worker) {
    try {
      open(worker);
      return true;
    } catch (Throwable e) {
      Failures.rethrowIfFatal(e);
      log.error(what + " could not start: " + Failures.describe(e), e);
      return false;
    }
  }

  private void loop(int worker) {
    boolean failed = false;
    try {
      while (running || workLeft()) {
        try {
          pass(worker);
          if (failed) {
            failed = false;
            if (failing.decrementAndGet() == 0) {
              log.info(what + " works again");
            }
          }
        } catch (Throwable e) {
          Failures.rethrowIfFatal(e);
          if (e instanceof InterruptedException) {
            // stop() interrupted a wait: the loop condition ends it; a stray interrupt is ignored
            continue;
          }
          if (!running) {
            log.debug(what + " failed while stopping: " + Failures.describe(e));
            continue;
          }
          if (!failed) {
            failed = true;
            if (failing.getAndIncrement() == 0) {
              log.warn(what + " failed; retrying: " + Failures.describe(e));
              log.debug(what + " failed", e);
            }
          } else if (log.isDebugEnabled()) {
            log.debug(what + " failed again: " + Failures.describe(e));
          }
          backOff();
        }
      }
    } finally {
      if (failed) {
        failing.decrementAndGet();
      }
    }
  }
}
