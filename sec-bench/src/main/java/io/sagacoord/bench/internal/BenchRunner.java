package io.sagacoord.bench.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one benchmark mode (or all) and writes the result. */
public final class BenchRunner {

  /** The keys the issue asks for, always present in the JSON (null when not measured). */
  public static final List<String> KEYS =
      List.of(
          "saturation_sagas_per_s",
          "p50_ms_at_100",
          "p99_ms_at_100",
          "cpu_ms_per_saga_total_at_100",
          "p50_ms_at_500",
          "p99_ms_at_500",
          "restart_to_ready_s",
          "recovery_10k_all_terminal_s",
          "log_rows_per_saga",
          "bytes_per_saga",
          "pg_commits_per_s_ceiling",
          "kafka_roundtrips_per_s_ceiling",
          "timer_lateness_p99_ms");

  public static final List<String> MODES =
      List.of(
          "smoke",
          "timers",
          "saturation",
          "latency",
          "restart",
          "recovery",
          "footprint",
          "ceiling",
          "console",
          "all");

  private final String mode;
  private final BenchOptions options;
  private final Map<String, Object> result = new LinkedHashMap<>();
  private boolean jitWarm;
  private BenchCluster cluster;
  private CompletionTracker tracker;
  private LoadGenerator generator;

  public BenchRunner(String mode, BenchOptions options) {
    if (!MODES.contains(mode)) {
      throw new IllegalArgumentException("mode must be one of " + MODES + ", was " + mode);
    }
    this.mode = mode;
    this.options = options;
  }

  /** Runs the mode; returns the path of the JSON written. */
  public Path run() throws Exception {
    result.put("mode", mode);
    for (String key : KEYS) {
      result.put(key, null);
    }
    result.put("started_at", Instant.now().toString());
    result.put("hardware", Environment.hardware());
    ExternalPostgres external = ExternalPostgres.fromEnvironment();
    boolean durable = options.durable(!mode.equals("smoke"));
    log(
        "mode "
            + mode
            + (external != null
                ? ", external Postgres " + external.adminUrl()
                : ", embedded Postgres")
            + ", starting infrastructure");
    Files.createDirectories(options.outDir());
    try {
      cluster = BenchCluster.start(durable, options.outDir().resolve("data"), external);
      result.put("settings", Environment.settings(cluster));
      tracker = new CompletionTracker(cluster.secConnection(), Duration.ofMillis(200));
      generator =
          new LoadGenerator(
              cluster.coordinatorUri(), tracker, options.startVia(), cluster.bootstrapServers());
      result.put("starts_via", options.startVia().name().toLowerCase(java.util.Locale.ROOT));
      result.put("participants", Boolean.getBoolean("bench.bridged") ? "bridged" : "embedded");
      log(
          "coordinator pid "
              + cluster.coordinatorPid()
              + ", participants pid "
              + cluster.participantsPid());
      switch (mode) {
        case "smoke" -> smoke();
        case "timers" -> timers();
        case "ceiling" -> ceiling();
        case "footprint" -> footprint();
        case "saturation" -> saturation();
        case "latency" -> latency(options.saturationHint());
        case "restart" -> restart();
        case "recovery" -> {
          restart();
          recovery();
        }
        case "console" -> console();
        case "all" -> {
          timers();
          ceiling();
          footprint();
          Double sat = saturation();
          latency(sat);
          restart();
          recovery();
        }
        default -> throw new IllegalStateException(mode);
      }
      ratios();
    } finally {
      result.put("finished_at", Instant.now().toString());
      result.put("load_average_at_end", Environment.loadAverage());
      if (generator != null) {
        generator.close();
      }
      if (tracker != null) {
        tracker.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      ResultWriter.write(options.outDir(), result);
    }
    return options.outDir().resolve("result.json");
  }

  private void smoke() throws Exception {
    double rate = options.dbl("bench.smoke.rate", 20);
    Duration seconds = Duration.ofSeconds(options.integer("bench.smoke.seconds", 15));
    List<SagaRecord> records = generator.run(rate, seconds, 0.1);
    tracker.awaitAll(records, Duration.ofSeconds(options.integer("bench.smoke.drain", 90)));
    long start = records.get(0).intendedMicros;
    PhaseStats stats = PhaseStats.of(rate, records, start, start + seconds.toNanos() / 1000 + 1);
    Map<String, Object> smoke = new LinkedHashMap<>();
    smoke.put("started", records.size() - stats.startErrors());
    smoke.put("completed", stats.completed());
    smoke.put("compensated", stats.compensated());
    smoke.put("failed", stats.failed());
    smoke.put("not_terminal", stats.notTerminal());
    smoke.put("start_errors", stats.startErrors());
    smoke.put("last_start_error", generator.lastError());
    smoke.put("hops_ms", hops(records, start, start + seconds.toNanos() / 1000 + 1));
    result.put("smoke", smoke);
    log("smoke: " + smoke);
  }

  /** Timer lateness on the idle coordinator (first in "all", before any load). */
  private void timers() throws Exception {
    Map<String, Object> timers =
        new TimerLateness(cluster)
            .measure(
                options.integer("bench.timers.sagas", 60),
                options.dbl("bench.timers.rate", 2),
                Duration.ofSeconds(options.integer("bench.timers.drain", 60)));
    result.put("timers", timers);
    result.put("timer_lateness_p99_ms", timers.get("p99_ms"));
    log("timers: " + timers);
  }

  private void ceiling() throws Exception {
    Duration warmup = Duration.ofSeconds(options.integer("bench.ceiling.warmup", 3));
    Duration measure = Duration.ofSeconds(options.integer("bench.ceiling.seconds", 15));
    try (Connection pg = cluster.secConnection()) {
      CpuMeter cpu =
          new CpuMeter(cluster.coordinatorPid(), cluster.participantsPid(), cluster.kafkaPid(), pg);
      Ceiling.Measured commits = Ceiling.postgresCommits(cluster, 8, warmup, measure, cpu);
      result.put("pg_commits_per_s_ceiling", Math.round(commits.perSecond()));
      log("postgres single-row commits/s with 8 clients: " + Math.round(commits.perSecond()));
      Ceiling.Measured kafka =
          Ceiling.kafkaRoundTrips(cluster.bootstrapServers(), 128, warmup, measure, cpu);
      result.put("kafka_roundtrips_per_s_ceiling", Math.round(kafka.perSecond()));
      log("kafka command/reply round trips/s with 128 in flight: " + Math.round(kafka.perSecond()));
      Map<String, Object> floor = LatencyFloor.measure(cluster, warmup, measure, cpu);
      result.put("latency_floor", floor);
      log("latency floor: " + floor);
    }
  }

  private void footprint() throws Exception {
    // 10,000 sagas: queue tables (outbox, timers) and dead row versions weigh less per saga the
    // more sagas share them, as in a long-running system
    double rate = options.dbl("bench.footprint.rate", 200);
    Duration seconds = Duration.ofSeconds(options.integer("bench.footprint.seconds", 50));
    // warm the path (topics, connections, JIT) so the snapshot window holds sagas only
    tracker.awaitAll(
        generator.run(Math.min(rate, 50), Duration.ofSeconds(4), 0), Duration.ofMinutes(2));
    awaitQuiet(Duration.ofMinutes(5));
    settleStatistics();
    Footprint before = Footprint.take(cluster);
    List<SagaRecord> records = generator.run(rate, seconds, 0);
    tracker.awaitAll(records, Duration.ofMinutes(3));
    awaitQuiet(Duration.ofMinutes(5));
    settleStatistics();
    Footprint after = Footprint.take(cluster);
    long sagas = records.stream().filter(r -> r.terminal()).count();
    Map<String, Object> fp = after.perSagaSince(before, sagas);
    fp.put("failing_share", 0.0);
    fp.put("rate_per_s", rate);
    result.put("footprint", fp);
    result.put("log_rows_per_saga", fp.get("log_rows_per_saga"));
    result.put("bytes_per_saga", fp.get("table_and_index_bytes_per_saga"));
    log("footprint: " + fp);
  }

  /**
   * What the machine could do for this saga if only Postgres or only Kafka limited it: the commit
   * ceiling divided by the commits one saga needs (coordinator and participants, as measured by the
   * footprint), and the round-trip ceiling divided by the three command/reply round trips of a
   * saga; and the measured saturation as a share of the lower one. Only when all were measured.
   */
  @SuppressWarnings("unchecked")
  private void ratios() {
    Object pg = result.get("pg_commits_per_s_ceiling");
    Object kafka = result.get("kafka_roundtrips_per_s_ceiling");
    Object fp = result.get("footprint");
    if (pg == null || kafka == null || !(fp instanceof Map<?, ?>)) {
      return;
    }
    Map<String, Object> footprint = (Map<String, Object>) fp;
    double commits =
        ((Number) footprint.get("coordinator_commits_per_saga")).doubleValue()
            + ((Number) footprint.get("participant_commits_per_saga")).doubleValue();
    Map<String, Object> r = new LinkedHashMap<>();
    double fromPg = ((Number) pg).doubleValue() / commits;
    double fromKafka = ((Number) kafka).doubleValue() / 3;
    r.put("commits_per_saga_measured", PhaseStats.round(commits));
    r.put("saga_ceiling_from_pg_per_s", Math.round(fromPg));
    r.put("saga_ceiling_from_kafka_per_s", Math.round(fromKafka));
    Object sat = result.get("saturation_sagas_per_s");
    if (sat != null) {
      r.put(
          "saturation_share_of_ceiling",
          PhaseStats.round(((Number) sat).doubleValue() / Math.min(fromPg, fromKafka)));
    }
    result.put("ratios", r);
  }

  /** Postgres publishes a backend's commit counters within about 10 s of it going idle. */
  private static void settleStatistics() throws InterruptedException {
    Thread.sleep(11_000);
  }

  /** Once per run, before the first measured phase of the saturation and latency modes. */
  private void jitWarmup() throws Exception {
    if (!jitWarm) {
      JitWarmup.run(options, cluster, generator, tracker)
          .ifPresent(w -> result.put("jit_warmup", w));
      jitWarm = true;
    }
  }

  private Double saturation() throws Exception {
    jitWarmup();
    Duration warmup = Duration.ofSeconds(options.integer("bench.saturation.warmup", 10));
    // 60 s: 1% of a 20-s window at 800/s is 160 sagas, less than the backlog's own swing at that
    // rate (rate times a latency that moves by a few hundred ms), so a shorter window fails steps
    // that the coordinator keeps up with on average
    Duration measure = Duration.ofSeconds(options.integer("bench.saturation.seconds", 60));
    double fail = options.dbl("bench.saturation.fail", 0.0);
    List<Map<String, Object>> steps = new ArrayList<>();
    Double best = null;
    for (double rate : options.rates()) {
      awaitQuiet(Duration.ofMinutes(5));
      PhaseStats stats = phase(rate, warmup, measure, fail, Duration.ofSeconds(90));
      steps.add(stats.toMap());
      log("saturation step " + rate + "/s: " + stats.toMap());
      if (!stats.keptUp()) {
        break;
      }
      best = rate;
    }
    Map<String, Object> sat = new LinkedHashMap<>();
    sat.put("warmup_s", warmup.toSeconds());
    sat.put("measure_s", measure.toSeconds());
    sat.put("failing_share", fail);
    sat.put(
        "rule",
        "completions >= 99% of offered in the window, backlog growth <= 0.5 s of arrivals, no start error, all terminal within 90 s");
    sat.put("steps", steps);
    result.put("saturation", sat);
    result.put("saturation_sagas_per_s", best);
    return best;
  }

  private void latency(Double saturation) throws Exception {
    jitWarmup();
    Duration warmup = Duration.ofSeconds(options.integer("bench.latency.warmup", 10));
    Duration measure = Duration.ofSeconds(options.integer("bench.latency.seconds", 30));
    double fail = options.dbl("bench.latency.fail", 0.1);
    Map<String, Object> lat = new LinkedHashMap<>();
    lat.put("warmup_s", warmup.toSeconds());
    lat.put("measure_s", measure.toSeconds());
    lat.put("failing_share", fail);
    lat.put(
        "e2e_ms",
        "due time of the start request (open-loop schedule) to the terminal commit (saga_instance.finished_at)");
    lat.put(
        "from_start_logged_ms", "saga_instance.created_at (start logged) to the terminal commit");
    for (double rate : options.latencyRates()) {
      awaitQuiet(Duration.ofMinutes(5));
      PhaseStats at = phase(rate, warmup, measure, fail, Duration.ofMinutes(3));
      Map<String, Object> stats = at.toMap();
      lat.put("at_" + (long) rate, stats);
      log("latency at " + rate + "/s: " + stats);
      if (rate == 100) {
        result.put("p50_ms_at_100", PhaseStats.ms(at.endToEnd(), 50));
        result.put("p99_ms_at_100", PhaseStats.ms(at.endToEnd(), 99));
        if (stats.get("cpu_ms_per_saga") instanceof Map<?, ?> cpu) {
          result.put("cpu_ms_per_saga_total_at_100", cpu.get("total"));
        }
      } else if (rate == 500) {
        result.put("p50_ms_at_500", PhaseStats.ms(at.endToEnd(), 50));
        result.put("p99_ms_at_500", PhaseStats.ms(at.endToEnd(), 99));
      }
    }
    if (saturation != null) {
      awaitQuiet(Duration.ofMinutes(5));
      double half = saturation / 2;
      PhaseStats atHalf = phase(half, warmup, measure, fail, Duration.ofMinutes(3));
      lat.put("at_half_saturation", atHalf.toMap());
      log("latency at " + half + "/s: " + atHalf.toMap());
    }
    lat.put("start_errors_total", generator.errors());
    lat.put("last_start_error", generator.lastError());
    result.put("latency", lat);
  }

  /**
   * Console latency with {@code bench.console.sagas} (default 100,000) sagas in the database: a few
   * hundred real sagas (15% compensating, some timer sagas left running) copied by SQL, then {@code
   * bench.console.requests} (default 100) timed requests per page after {@code
   * bench.console.warmup} (default 20) unmeasured ones.
   */
  private void console() throws Exception {
    ConsoleLatency console = new ConsoleLatency(cluster);
    console.startTimerSagas(options.integer("bench.console.timer-sagas", 20));
    tracker.awaitAll(
        generator.run(options.dbl("bench.console.rate", 40), Duration.ofSeconds(8), 0.15),
        Duration.ofMinutes(2));
    Map<String, Object> data = console.fill(options.integer("bench.console.sagas", 100_000));
    log("console data: " + data);
    Map<String, Object> measured =
        console.measure(
            options.integer("bench.console.warmup", 20),
            options.integer("bench.console.requests", 100));
    measured.put("data", data);
    measured.put("slower_than_200_ms_p95", ConsoleLatency.slowest(measured, 200));
    result.put("console", measured);
    result.put("console_p95_ms", measured.get("console_p95_ms"));
    log("console: " + measured);
  }

  /**
   * Launch to ready of a quiet coordinator stopped with SIGTERM ({@link RestartRun}), {@code
   * bench.restart.times} times (default 3). {@code restart_to_ready_s} is the median when the
   * coordinator runs on JDK 17 without an AOT cache (the driver's JDK; a dynamic CDS archive, as
   * the distribution creates, is allowed), else null with the figures under {@code restart}.
   */
  private void restart() throws Exception {
    awaitQuiet(Duration.ofMinutes(5));
    Map<String, Object> restart =
        new RestartRun(cluster).measure(options.integer("bench.restart.times", 3));
    result.put("restart", restart);
    if (Runtime.version().feature() == 17 && !"AOT cache".equals(restart.get("class_data"))) {
      result.put("restart_to_ready_s", restart.get("launch_to_ready_s_median"));
    } else {
      log("restart_to_ready_s left null: it is defined on JDK 17 without an AOT cache");
    }
  }

  private void recovery() throws Exception {
    Map<String, Object> rec = new LinkedHashMap<>();
    for (int n : options.recoverySizes()) {
      awaitQuiet(Duration.ofMinutes(5));
      Map<String, Object> one = new RecoveryRun(cluster, tracker).measure(n);
      rec.put(String.valueOf(n), one);
      log("recovery with " + n + " in flight: " + one);
      if (n == 10_000) {
        result.put("recovery_10k_all_terminal_s", one.get("restart_to_all_terminal_s"));
      }
    }
    result.put("recovery", rec);
  }

  private PhaseStats phase(
      double rate, Duration warmup, Duration measure, double fail, Duration drain)
      throws Exception {
    try (java.sql.Connection pg = cluster.secConnection()) {
      return phase(rate, warmup, measure, fail, drain, pg);
    }
  }

  private PhaseStats phase(
      double rate,
      Duration warmup,
      Duration measure,
      double fail,
      Duration drain,
      java.sql.Connection pg)
      throws Exception {
    CpuMeter cpu =
        new CpuMeter(cluster.coordinatorPid(), cluster.participantsPid(), cluster.kafkaPid(), pg);
    double probeBefore = CpuMeter.speedProbeMillis();
    Map<String, Double> cpuBefore = cpu.snapshot();
    long[] machineBefore = CpuMeter.machine();
    List<SagaRecord> records = generator.run(rate, warmup.plus(measure), fail);
    Map<String, Long> lag;
    try (KafkaLag probe = new KafkaLag(cluster.bootstrapServers())) {
      lag = probe.snapshot();
    }
    long windowStart = records.get(0).intendedMicros + warmup.toNanos() / 1000;
    long windowEnd = windowStart + measure.toNanos() / 1000;
    tracker.awaitAll(records, drain);
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("kafka_lag_at_arrivals_end", new java.util.TreeMap<>(lag));
    // the whole phase (warm-up, window, drain) over all its sagas: the CPU a saga costs
    extras.put("cpu_ms_per_saga", CpuMeter.perSaga(cpuBefore, cpu.snapshot(), records.size()));
    Map<String, Object> machine =
        new LinkedHashMap<>(CpuMeter.machineCores(machineBefore, CpuMeter.machine()));
    machine.put("speed_probe_ms_before", probeBefore);
    machine.put("speed_probe_ms_after", CpuMeter.speedProbeMillis());
    extras.put("machine", machine);
    extras.put("hops_ms", hops(records, windowStart, windowEnd));
    return PhaseStats.of(rate, records, windowStart, windowEnd).withExtras(extras);
  }

  /**
   * {@link HopLatency} of the completed sagas due in the window; null (and a line in the log) when
   * the databases cannot be read, so that the phase's other figures are kept.
   */
  private Map<String, Object> hops(List<SagaRecord> records, long windowStart, long windowEnd) {
    try {
      return HopLatency.measure(cluster, records, windowStart, windowEnd);
    } catch (java.sql.SQLException e) {
      log("hops_ms left null: " + e);
      return null;
    }
  }

  /** Waits until no saga is running and no outbox row is left (earlier phases' backlog). */
  private void awaitQuiet(Duration timeout) throws Exception {
    long giveUp = System.nanoTime() + timeout.toNanos();
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      while (System.nanoTime() < giveUp) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT count(*) FROM saga_instance WHERE status NOT IN "
                    + CompletionTracker.TERMINAL
                    + ") + (SELECT count(*) FROM saga_outbox)")) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        Thread.sleep(500);
      }
    }
    log("warning: the system did not become quiet within " + timeout);
  }

  static void log(String message) {
    System.out.println("[bench " + Instant.now() + "] " + message);
  }
}
