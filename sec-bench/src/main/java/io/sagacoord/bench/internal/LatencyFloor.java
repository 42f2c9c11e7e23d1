package io.sagacoord.bench.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The latency floor of the {@code ceiling} mode, and what it costs in CPU. */
final class LatencyFloor {
  private LatencyFloor() {}

  /**
   * The latency an unloaded machine gives one saga at the least: one commit with one client, one
   * command/reply round trip with one in flight. A three-step saga needs at least 7 commits (the
   * start and 3 replies in the coordinator, 3 commands in the participants) and 3.5 round trips
   * (the start message one way, 3 commands and their replies), one after the other.
   *
   * <p>Beside it the CPU each of these costs over the measured window, divided by the operations in
   * it: for a commit the driver (the client) and every process of the Postgres server, for a round
   * trip the driver and the broker (producers, consumers and the broker, in this JVM or its own),
   * their JIT compiler threads left out ({@link CpuMeter#driverAndPostgres()}); and the same sum of
   * 7 commits and 3.5 round trips in CPU, what one saga costs at the least when every hop carries
   * it alone. The coordinator and the participants run idle meanwhile and are not counted; their
   * polls of Postgres and the broker add a little to both figures, as much as {@code
   * idle_cpu_ms_per_s} (measured for as long as one window before the others, with nothing running)
   * shows.
   */
  static Map<String, Object> measure(
      BenchCluster cluster, Duration warmup, Duration measure, CpuMeter cpu) throws Exception {
    Map<String, Double> idleBefore = cpu.driverAndPostgres();
    long idleStart = System.nanoTime();
    Thread.sleep(measure.toMillis());
    Map<String, Double> idleAfter = cpu.driverAndPostgres();
    double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
    Ceiling.Measured commit = Ceiling.postgresCommits(cluster, 1, warmup, measure, cpu);
    Ceiling.Measured roundTrip =
        Ceiling.kafkaRoundTrips(cluster.bootstrapServers(), 1, warmup, measure, cpu);
    Map<String, Object> floor = new LinkedHashMap<>();
    floor.put("pg_commit_ms_1_client", percentiles(commit));
    floor.put("kafka_roundtrip_ms_1_in_flight", percentiles(roundTrip));
    floor.put(
        "three_step_saga_floor_p50_ms",
        round2(7 * commit.p50Millis() + 3.5 * roundTrip.p50Millis()));
    Double commitCpu = commit.cpuMillisPerOperation("driver_and_kafka", "postgres");
    Double roundTripCpu = roundTrip.cpuMillisPerOperation("driver_and_kafka");
    floor.put("pg_commit_cpu_ms_1_client", commitCpu == null ? null : round3(commitCpu));
    floor.put(
        "kafka_roundtrip_cpu_ms_1_in_flight", roundTripCpu == null ? null : round3(roundTripCpu));
    floor.put(
        "three_step_saga_cpu_floor_ms",
        commitCpu == null || roundTripCpu == null
            ? null
            : round2(7 * commitCpu + 3.5 * roundTripCpu));
    Map<String, Object> idle = new LinkedHashMap<>();
    for (String part : List.of("driver_and_kafka", "postgres")) {
      Double b = idleBefore.get(part);
      Double a = idleAfter.get(part);
      idle.put(part, a == null || b == null ? null : round2((a - b) * 1000 / idleSeconds));
    }
    floor.put("idle_cpu_ms_per_s", idle);
    return floor;
  }

  private static Map<String, Object> percentiles(Ceiling.Measured m) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("per_s", Math.round(m.perSecond()));
    p.put("p50", round2(m.p50Millis()));
    p.put("p99", round2(m.p99Millis()));
    return p;
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
