package io.sagacoord.bench.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The recovery mode's measurement: a crash with sagas in flight, and the time to finish them. */
final class RecoveryRun {

  private final BenchCluster cluster;
  private final CompletionTracker tracker;

  RecoveryRun(BenchCluster cluster, CompletionTracker tracker) {
    this.cluster = cluster;
    this.tracker = tracker;
  }

  /**
   * Starts {@code n} sagas while the participants are frozen, kills the coordinator once their
   * commands are out, restarts it and measures how long until every saga ended.
   */
  Map<String, Object> measure(int n) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    cluster.freezeParticipants(true);
    List<SagaRecord> records;
    try (LoadGenerator burst = new LoadGenerator(cluster.coordinatorUri(), tracker)) {
      records = burst.burst(n, 64);
      m.put("start_errors", burst.errors());
    } catch (RuntimeException e) {
      cluster.freezeParticipants(false);
      throw e;
    }
    long inFlight = records.stream().filter(r -> !r.startError && !r.terminal()).count();
    m.put("in_flight_at_kill", inFlight);
    awaitOutboxEmpty(Duration.ofSeconds(60));
    Instant killed = cluster.killCoordinator();
    cluster.freezeParticipants(false);
    long restart = Micros.now();
    cluster.restartCoordinatorNoWait();
    long pid = cluster.coordinatorPid();
    AtomicLong ready = new AtomicLong();
    // the coordinator's CPU seconds when it logged "Started" and at its first transition
    java.util.concurrent.atomic.AtomicReference<Map<String, Double>> cpuAtReady =
        new java.util.concurrent.atomic.AtomicReference<>();
    Map<String, Double> cpuAtFirst = null;
    Thread readyWatch =
        new Thread(
            () -> {
              try {
                cluster.awaitCoordinatorStarted();
                cpuAtReady.set(CpuMeter.byThread(pid));
                ready.set(Micros.now());
              } catch (RuntimeException e) {
                System.err.println("coordinator did not restart: " + e);
              }
            });
    readyWatch.setDaemon(true);
    readyWatch.start();
    Long first = null;
    long giveUp = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    try (Connection c = cluster.secConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT min(occurred_at) FROM saga_log WHERE occurred_at > ?")) {
      ps.setTimestamp(1, Timestamp.from(killed));
      while (first == null && System.nanoTime() < giveUp) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
          if (t != null) {
            first = Micros.of(t);
            cpuAtFirst = CpuMeter.byThread(pid);
          }
        }
        if (first == null) {
          Thread.sleep(50);
        }
      }
    }
    boolean all = tracker.awaitAll(records, Duration.ofMinutes(5));
    Map<String, Double> cpuAtAll = CpuMeter.byThread(pid);
    readyWatch.join(1000);
    long lastEnd =
        records.stream().filter(SagaRecord::terminal).mapToLong(r -> r.endMicros).max().orElse(0);
    long lost = records.stream().filter(r -> !r.startError && !r.terminal()).count();
    m.put(
        "coordinator_ready_after_restart_s",
        ready.get() == 0 ? null : seconds(ready.get() - restart));
    m.put("restart_to_first_transition_s", first == null ? null : seconds(first - restart));
    long[] ends =
        records.stream()
            .filter(SagaRecord::terminal)
            .mapToLong(r -> r.endMicros)
            .sorted()
            .toArray();
    if (ends.length > 0) {
      m.put("restart_to_half_terminal_s", seconds(ends[ends.length / 2] - restart));
      m.put("restart_to_99pct_terminal_s", seconds(ends[(int) (ends.length * 0.99)] - restart));
    }
    m.put("restart_to_all_terminal_s", all ? seconds(lastEnd - restart) : null);
    m.put(
        "ready_to_all_terminal_s", all && ready.get() != 0 ? seconds(lastEnd - ready.get()) : null);
    // the restarted coordinator's CPU seconds (by kind of thread) at these three points
    m.put("coordinator_cpu_s_at_ready", cpuAtReady.get());
    m.put("coordinator_cpu_s_at_first_transition", cpuAtFirst);
    m.put("coordinator_cpu_s_at_all_terminal", all ? cpuAtAll : null);
    m.put("coordinator_log", String.valueOf(cluster.coordinatorLog()));
    m.put("not_terminal_after_5_min", lost);
    m.put("completed", records.stream().filter(r -> "COMPLETED".equals(r.status)).count());
    return m;
  }

  private static double seconds(long micros) {
    return PhaseStats.round(micros / 1e6);
  }

  private void awaitOutboxEmpty(Duration timeout) throws Exception {
    long giveUp = System.nanoTime() + timeout.toNanos();
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      while (System.nanoTime() < giveUp) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM saga_outbox")) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        Thread.sleep(200);
      }
    }
  }
}
