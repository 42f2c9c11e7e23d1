package io.sagacoord.server.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What every worker loop of the coordinator shares: an outage logs a line when it starts and one
 * when it ends, not one per pass; a stop ends the passes, lets accepted work finish and closes each
 * thread without interrupting its close.
 */
class WorkerLoopTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Logger logger;
  private Scripted loop;

  @BeforeEach
  void captureLog() {
    logger = (Logger) LoggerFactory.getLogger(Scripted.class);
    logger.setLevel(Level.INFO);
    logger.addAppender(logged);
    logged.start();
  }

  @AfterEach
  void release() {
    if (loop != null) {
      loop.stop();
    }
    logger.detachAppender(logged);
    logger.setLevel(null);
  }

  @Test
  void anOutageLogsOneWarningWithItsCauseAndOneLineWhenPassesWorkAgain() {
    loop = new Scripted(2);
    loop.start();
    // both threads fail three times, as in a database outage
    for (int i = 0; i < 3; i++) {
      loop.script(0, Step.FAIL);
      loop.script(1, Step.FAIL);
    }
    await().atMost(WAIT).until(() -> loop.passes(0) == 3 && loop.passes(1) == 3);
    loop.script(0, Step.WORK);
    await().atMost(WAIT).until(() -> loop.passes(0) == 4);
    assertThat(lines(Level.INFO)).as("one thread still fails").isEmpty();
    loop.script(1, Step.WORK);
    await().atMost(WAIT).until(() -> loop.passes(1) == 4);

    assertThat(lines(Level.WARN))
        .singleElement()
        .satisfies(
            warning -> {
              assertThat(warning.getFormattedMessage())
                  .isEqualTo("Scripted loop failed; retrying: SQLException: connection refused");
              assertThat(warning.getThrowableProxy()).as("no stack trace at WARN").isNull();
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(lines(Level.INFO))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("Scripted loop works again"));
  }

  @Test
  void aLaterOutageIsLoggedAgain() {
    loop = new Scripted(1);
    loop.start();
    loop.script(0, Step.FAIL);
    loop.script(0, Step.WORK);
    loop.script(0, Step.FAIL);
    loop.script(0, Step.WORK);
    await().atMost(WAIT).until(() -> loop.passes(0) == 4);

    assertThat(lines(Level.WARN)).hasSize(2);
    await().atMost(WAIT).untilAsserted(() -> assertThat(lines(Level.INFO)).hasSize(2));
  }

  @Test
  void stopEndsWaitingPassesAndClosesEveryThread() {
    loop = new Scripted(2);
    loop.start();
    await().atMost(WAIT).until(() -> loop.opened.size() == 2);

    loop.stop();

    assertThat(loop.isRunning()).isFalse();
    assertThat(loop.opened).containsExactlyInAnyOrder("sec-scripted-0", "sec-scripted-1");
    assertThat(loop.closed).containsExactlyInAnyOrder("sec-scripted-0", "sec-scripted-1");
    assertThat(loop.stopped).isTrue();
  }

  @Test
  void workAcceptedBeforeTheStopIsDoneAfterIt() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    Draining draining = new Draining(gate);
    draining.queue.addAll(List.of("a", "b", "c"));
    draining.start();
    await().atMost(WAIT).until(() -> draining.inPass.get() == 1);

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(draining::stop);
    await().atMost(WAIT).until(() -> !draining.isRunning());
    gate.countDown();
    stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(draining.done).containsExactly("a", "b", "c");
  }

  @Test
  void theInterruptOfAStopEndsASleepingPass() {
    Interrupted interrupted = new Interrupted();
    interrupted.start();
    await().atMost(WAIT).until(() -> interrupted.sleeping.get());

    interrupted.stop();

    assertThat(interrupted.closedInterrupted)
        .as("the flag is cleared before close")
        .containsExactly(false);
  }

  @Test
  void theInterruptOfAStopNeverReachesACloseInProgress() throws Exception {
    SlowClose slow = new SlowClose();
    slow.start();
    await().atMost(WAIT).until(() -> slow.inClose.get());

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(slow::stop);
    await().atMost(WAIT).until(() -> slow.stopping.get());
    slow.release.countDown();
    stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(slow.interruptedInClose).containsExactly(false);
  }

  @Test
  void aThreadWhoseOpenFailsClosesWithoutPassing() {
    FailingOpen failing = new FailingOpen();
    failing.start();
    await().atMost(WAIT).until(() -> failing.closed.get());
    failing.stop();

    assertThat(failing.passes).hasValue(0);
  }

  @Test
  void aDisabledLoopStartsNoThread() {
    loop = new Scripted(1, false);
    loop.start();

    assertThat(loop.isRunning()).isFalse();
    assertThat(loop.opened).isEmpty();
  }

  private List<ILoggingEvent> lines(Level level) {
    // the appender appends under its own lock, from the loop's threads
    synchronized (logged) {
      return logged.list.stream().filter(e -> e.getLevel() == level).toList();
    }
  }

  private enum Step {
    WORK,
    FAIL
  }

  /** Each thread runs the steps the test gives it, one per pass. */
  private static final class Scripted extends WorkerLoop {
    final List<LinkedBlockingQueue<Step>> steps;
    final List<AtomicInteger> passes;
    final Queue<String> opened = new ConcurrentLinkedQueue<>();
    final Queue<String> closed = new ConcurrentLinkedQueue<>();
    final boolean enabled;
    volatile boolean stopped;

    Scripted(int threads) {
      this(threads, true);
    }

    Scripted(int threads, boolean enabled) {
      super("sec-scripted", threads, "Scripted loop", 0, Duration.ZERO);
      this.enabled = enabled;
      this.steps = Stream.generate(LinkedBlockingQueue<Step>::new).limit(threads).toList();
      this.passes = Stream.generate(AtomicInteger::new).limit(threads).toList();
    }

    void script(int worker, Step step) {
      steps.get(worker).add(step);
    }

    int passes(int worker) {
      return passes.get(worker).get();
    }

    @Override
    protected boolean enabled() {
      return enabled;
    }

    @Override
    protected void open(int worker) {
      opened.add(Thread.currentThread().getName());
    }

    @Override
    protected void pass(int worker) throws InterruptedException {
      Step step = steps.get(worker).poll(1, TimeUnit.HOURS);
      passes.get(worker).incrementAndGet();
      if (step == Step.FAIL) {
        throw new IllegalStateException(
            "could not get a connection", new SQLException("connection refused"));
      }
    }

    @Override
    protected void close(int worker) {
      closed.add(Thread.currentThread().getName());
    }

    @Override
    protected void stopping() {
      // the threads wait in a queue's poll, which an unpark does not end
      steps.forEach(q -> q.add(Step.WORK));
    }

    @Override
    protected void stopped() {
      stopped = true;
    }
  }

  /** Takes one item per pass, after a gate opens. */
  private static final class Draining extends WorkerLoop {
    final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    final Queue<String> done = new ConcurrentLinkedQueue<>();
    final AtomicInteger inPass = new AtomicInteger();
    final CountDownLatch gate;

    Draining(CountDownLatch gate) {
      super("sec-draining", "Draining loop", 0, Duration.ZERO);
      this.gate = gate;
    }

    @Override
    protected void pass(int worker) throws InterruptedException {
      inPass.incrementAndGet();
      gate.await();
      String item = queue.poll(10, TimeUnit.MILLISECONDS);
      if (item != null) {
        done.add(item);
      }
    }

    @Override
    protected boolean workLeft() {
      return !queue.isEmpty();
    }
  }

  /** Blocks in its pass on a latch nobody opens; only the stop's interrupt ends the wait. */
  private static final class Interrupted extends WorkerLoop {
    final AtomicBoolean sleeping = new AtomicBoolean();
    final CountDownLatch never = new CountDownLatch(1);
    final Queue<Boolean> closedInterrupted = new ConcurrentLinkedQueue<>();

    Interrupted() {
      super("sec-interrupted", "Interrupted loop", 0, Duration.ZERO);
    }

    @Override
    protected void pass(int worker) throws InterruptedException {
      sleeping.set(true);
      never.await();
    }

    @Override
    protected boolean interruptOnStop() {
      return true;
    }

    @Override
    protected void close(int worker) {
      closedInterrupted.add(Thread.currentThread().isInterrupted());
    }
  }

  /** Cannot open; its close waits until the test releases it. */
  private static final class SlowClose extends WorkerLoop {
    final AtomicBoolean inClose = new AtomicBoolean();
    final AtomicBoolean stopping = new AtomicBoolean();
    final CountDownLatch release = new CountDownLatch(1);
    final Queue<Boolean> interruptedInClose = new ConcurrentLinkedQueue<>();

    SlowClose() {
      super("sec-slow-close", "Slow loop", 0, Duration.ZERO);
    }

    @Override
    protected void open(int worker) {
      throw new IllegalStateException("no subscription");
    }

    @Override
    protected void pass(int worker) {}

    @Override
    protected boolean interruptOnStop() {
      return true;
    }

    @Override
    protected void stopping() {
      stopping.set(true);
    }

    @Override
    protected void close(int worker) {
      inClose.set(true);
      try {
        release.await();
        interruptedInClose.add(false);
      } catch (InterruptedException e) {
        interruptedInClose.add(true);
      }
    }
  }

  /** Cannot open. */
  private static final class FailingOpen extends WorkerLoop {
    final AtomicInteger passes = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();

    FailingOpen() {
      super("sec-failing-open", "Failing loop", 0, Duration.ZERO);
    }

    @Override
    protected void open(int worker) {
      throw new IllegalStateException("no subscription");
    }

    @Override
    protected void pass(int worker) {
      passes.incrementAndGet();
    }

    @Override
    protected void close(int worker) {
      closed.set(true);
    }
  }
}
