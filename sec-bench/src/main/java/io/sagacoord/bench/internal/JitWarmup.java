package io.sagacoord.bench.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Load at a moderate rate until the JIT compilers of the coordinator, the participants and the
 * driver have settled, so that the phases after it measure the compiled code and not its
 * compilation. Not recorded. At {@code bench.jit-warmup.rate} (default 300/s) in slices of 15 s,
 * for at least {@code bench.jit-warmup.seconds} (default 60, 0 skips the warm-up) and at most
 * {@code bench.jit-warmup.max-seconds} (default 300), until a slice's compiler threads in the three
 * JVMs used less than {@code bench.jit-warmup.settled-share} (default 0.05) of one core: at 300/s
 * the compilers of the three JVMs still take about half a core after 60 s and settle after 120-270
 * s, and a phase at 100/s right after 60 s spends a third of its CPU compiling. A lower rate
 * compiles for small batches: after 30 s at 100/s a saturation run that starts at 600/s falls
 * behind at its first step.
 */
final class JitWarmup {

  private static final Duration SLICE = Duration.ofSeconds(15);

  private JitWarmup() {}

  /** Runs the warm-up; what it did for {@code result.json}, empty when it is skipped. */
  static Optional<Map<String, Object>> run(
      BenchOptions options,
      BenchCluster cluster,
      LoadGenerator generator,
      CompletionTracker tracker)
      throws Exception {
    int seconds = options.integer("bench.jit-warmup.seconds", 60);
    if (seconds <= 0) {
      return Optional.empty();
    }
    int max = Math.max(seconds, options.integer("bench.jit-warmup.max-seconds", 300));
    double settled = options.dbl("bench.jit-warmup.settled-share", 0.05);
    double rate = options.dbl("bench.jit-warmup.rate", 300);
    BenchRunner.log("JIT warm-up: " + seconds + "-" + max + " s at " + rate + "/s (not recorded)");
    long[] pids =
        CpuMeter.jvmPids(cluster.coordinatorPid(), cluster.participantsPid(), cluster.kafkaPid());
    double jitBefore = CpuMeter.jitSeconds(pids);
    int elapsed = 0;
    double share = Double.NaN;
    while (elapsed < max) {
      long sliceStart = System.nanoTime();
      tracker.awaitAll(generator.run(rate, SLICE, 0.1), Duration.ofMinutes(5));
      elapsed += (int) SLICE.toSeconds();
      double jitNow = CpuMeter.jitSeconds(pids);
      share = (jitNow - jitBefore) / ((System.nanoTime() - sliceStart) / 1e9);
      jitBefore = jitNow;
      if (elapsed >= seconds && share < settled) {
        break;
      }
    }
    Map<String, Object> warm = new LinkedHashMap<>();
    warm.put("rate_per_s", rate);
    warm.put("seconds", elapsed);
    warm.put("jit_cores_in_last_slice", PhaseStats.round(share));
    warm.put("settled", share < settled);
    BenchRunner.log(
        "JIT warm-up done after " + elapsed + " s; compilers in the last slice: " + warm);
    checkpoint(cluster);
    return Optional.of(warm);
  }

  /**
   * The warm-up writes gigabytes of WAL: the checkpoint they call for would otherwise run through
   * the measured phases (writing out the warm-up's pages, and every page's first change after it
   * logged whole), so one run's figures would depend on where in its checkpoint it happened to be.
   * This one runs before them. It needs a superuser or the role {@code pg_checkpoint}.
   */
  private static void checkpoint(BenchCluster cluster) {
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    } catch (SQLException e) {
      BenchRunner.log(
          "CHECKPOINT after the warm-up refused; one may run in a measured phase: " + e);
    }
  }
}
