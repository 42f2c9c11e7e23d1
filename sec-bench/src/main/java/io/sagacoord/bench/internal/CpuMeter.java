package io.sagacoord.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time used by each part of the benchmark, from {@code /proc/<pid>/stat} (user + system, Linux
 * clock ticks of 1/100 s): the coordinator, the participants, the driver (load generator and
 * completion poller) with the Kafka broker (in the driver's JVM or in its own, then also given
 * apart as {@code of_which_kafka_broker}) and the processes of the benchmark's Postgres server (its
 * postmaster and the postmaster's children; every process named {@code postgres} when the server is
 * not known). Divided by the sagas of a phase it says how much CPU a saga costs where, and so what
 * two cores can carry at most. Empty where {@code /proc} is not readable.
 */
final class CpuMeter {

  private static final double TICKS_PER_SECOND = 100.0;

  private final long coordinatorPid;
  private final long participantsPid;
  private final long kafkaPid;
  private final java.sql.Connection postgres;

  /** The postmaster of the benchmark's server, 0 before it is looked up, -1 when unknown. */
  private long postmaster;

  /**
   * @param kafkaPid the Kafka broker's own process, 0 when it runs in the driver's JVM
   * @param postgres a connection to the benchmark's Postgres server that may read {@code
   *     pg_stat_activity}, to tell the coordinator's database from the participants'; null: one
   *     figure for all of Postgres
   */
  CpuMeter(long coordinatorPid, long participantsPid, long kafkaPid, java.sql.Connection postgres) {
    this.coordinatorPid = coordinatorPid;
    this.participantsPid = participantsPid;
    this.kafkaPid = kafkaPid;
    this.postgres = postgres;
  }

  /** Database of each server process (backends only), from {@code pg_stat_activity}. */
  private Map<Long, String> databases() {
    Map<Long, String> db = new java.util.HashMap<>();
    if (postgres == null) {
      return db;
    }
    try (java.sql.Statement st = postgres.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT pid, datname FROM pg_stat_activity WHERE datname IS NOT NULL")) {
      while (rs.next()) {
        db.put(rs.getLong(1), rs.getString(2));
      }
    } catch (java.sql.SQLException e) {
      // one figure for all of Postgres then
    }
    return db;
  }

  /** CPU seconds so far per part. */
  Map<String, Double> snapshot() {
    Map<String, Double> cpu = new TreeMap<>();
    add(cpu, "coordinator", ticks(coordinatorPid));
    add(cpu, "participants", ticks(participantsPid));
    long driver = ticks(ProcessHandle.current().pid());
    if (kafkaPid > 0) {
      long broker = ticks(kafkaPid);
      add(cpu, "driver_and_kafka", driver < 0 || broker < 0 ? -1 : driver + broker);
      // part of driver_and_kafka (not added to the total again)
      add(cpu, "of_which_kafka_broker", broker);
    } else {
      add(cpu, "driver_and_kafka", driver);
    }
    // part of the JVMs' figures (not added to the total again): their compiler threads
    cpu.put("of_which_jit", jitSeconds(jvmPids()));
    Map<Long, String> databases = databases();
    Map<Long, Long> server = postgresTicks();
    if (server == null) {
      return Map.of();
    }
    long pg = 0;
    long pgSec = 0;
    long pgParticipants = 0;
    for (Map.Entry<Long, Long> e : server.entrySet()) {
      long t = e.getValue();
      pg += t;
      String db = databases.get(e.getKey());
      if ("bench_sec".equals(db)) {
        pgSec += t;
      } else if (db != null && db.matches("bench_(flight|hotel|car)")) {
        pgParticipants += t;
      }
    }
    cpu.put("postgres", pg / TICKS_PER_SECOND);
    if (!databases.isEmpty()) {
      // parts of "postgres" (not added to the total again): backends serving these databases;
      // the rest is the server's own processes (WAL writer, checkpointer, ...) and other clients
      cpu.put("of_which_postgres_coordinator_db", pgSec / TICKS_PER_SECOND);
      cpu.put("of_which_postgres_participant_dbs", pgParticipants / TICKS_PER_SECOND);
    }
    return cpu;
  }

  /**
   * CPU seconds so far of the driver (this JVM: load generator and Kafka clients) with the Kafka
   * broker, and of the benchmark's Postgres server, {@code driver_and_kafka} and {@code postgres}:
   * the two parts that work in the ceiling's measurements. The driver's figure leaves out its JIT
   * compiler threads: a young JVM compiles for a while whatever it does, which is not a cost of the
   * operations measured (a compiler thread that ends in between takes its time back out of this
   * figure, so it may come out a little high). Empty where {@code /proc} is not readable.
   */
  Map<String, Double> driverAndPostgres() {
    Map<String, Double> driver = byThread(ProcessHandle.current().pid());
    Map<String, Double> broker =
        kafkaPid > 0 ? byThread(kafkaPid) : Map.of("total", 0.0, "jit", 0.0);
    Map<Long, Long> server = postgresTicks();
    if (driver.isEmpty() || broker.isEmpty() || server == null) {
      return Map.of();
    }
    Map<String, Double> cpu = new TreeMap<>();
    cpu.put(
        "driver_and_kafka",
        driver.get("total") - driver.get("jit") + broker.get("total") - broker.get("jit"));
    cpu.put(
        "postgres", server.values().stream().mapToLong(Long::longValue).sum() / TICKS_PER_SECOND);
    return cpu;
  }

  private long[] jvmPids() {
    return jvmPids(coordinatorPid, participantsPid, kafkaPid);
  }

  /**
   * The JVMs of a benchmark: the coordinator, the participants, this driver and the broker's own
   * when it has one ({@code kafkaPid} 0: it runs in this JVM).
   */
  static long[] jvmPids(long coordinatorPid, long participantsPid, long kafkaPid) {
    long self = ProcessHandle.current().pid();
    return kafkaPid > 0
        ? new long[] {coordinatorPid, participantsPid, self, kafkaPid}
        : new long[] {coordinatorPid, participantsPid, self};
  }

  /**
   * The machine's {@code cpu} line of {@code /proc/stat} (ticks of all cores: user, nice, system,
   * idle, iowait, irq, softirq, steal, ...) and the time it was read, for {@link #machineCores};
   * empty where it is not readable.
   */
  static long[] machine() {
    String stat = read(Path.of("/proc/stat"));
    if (stat == null || !stat.startsWith("cpu ")) {
      return new long[0];
    }
    try {
      String[] f = stat.substring(4, stat.indexOf('\n')).trim().split("\\s+");
      long[] ticks = new long[f.length + 1];
      for (int i = 0; i < f.length; i++) {
        ticks[i] = Long.parseLong(f[i]);
      }
      ticks[f.length] = System.nanoTime();
      return ticks;
    } catch (RuntimeException e) {
      // a line not in the form known
      return new long[0];
    }
  }

  /**
   * Cores the whole machine used between two {@link #machine} readings, every process counted
   * ({@code busy}), and cores the hypervisor gave to others ({@code steal}): a phase whose steal is
   * more than a few hundredths of a core ran on a machine that was not all its own.
   */
  static Map<String, Double> machineCores(long[] before, long[] after) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (before.length < 9 || before.length != after.length) {
      return m;
    }
    double seconds = (after[after.length - 1] - before[before.length - 1]) / 1e9;
    if (seconds <= 0) {
      return m;
    }
    long busy = 0;
    for (int i = 0; i < 8; i++) {
      // idle (3), iowait (4) and steal (7) are not this machine's work; guest time is in user.
      // A counter that went back (a core taken offline) counts as nothing.
      if (i != 3 && i != 4 && i != 7) {
        busy += Math.max(0, after[i] - before[i]);
      }
    }
    m.put("busy", PhaseStats.round(busy / TICKS_PER_SECOND / seconds));
    m.put(
        "steal", PhaseStats.round(Math.max(0, after[7] - before[7]) / TICKS_PER_SECOND / seconds));
    return m;
  }

  /**
   * Milliseconds one thread of this JVM takes for a fixed piece of arithmetic (the best of three,
   * so a time slice lost to another thread counts less): the same code on the same machine takes
   * longer when the host runs other guests' work on the same cores or caches, which {@code
   * /proc/stat} does not show as steal. Compared between phases and runs, it tells a slower machine
   * from slower code.
   */
  static double speedProbeMillis() {
    double best = Double.MAX_VALUE;
    long x = 0x9E3779B97F4A7C15L;
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < 20_000_000; i++) {
        // xorshift: no allocation, nothing the JIT can fold away (the result is kept)
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
      }
      best = Math.min(best, (System.nanoTime() - start) / 1e6);
    }
    probeSink = x;
    return PhaseStats.round(best);
  }

  // keeps the probe's result alive
  @SuppressWarnings("unused")
  private static volatile long probeSink;

  /** Ticks so far of each process of the benchmark's Postgres server; null if unreadable. */
  private Map<Long, Long> postgresTicks() {
    Map<Long, Long> server = new java.util.HashMap<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (isPostgres(pid) && ofThisServer(pid)) {
          server.put(pid, Math.max(0, ticks(pid)));
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return server;
  }

  /**
   * Whether a {@code postgres} process belongs to the benchmark's server: the postmaster (the
   * parent of the backend that serves {@link #postgres}) or one of its children. Other servers on
   * the machine (another checkout's embedded one, say) do not count. True for every process when
   * the postmaster is not known (no connection, or its backend not in this {@code /proc}).
   */
  private boolean ofThisServer(long pid) {
    if (postmaster == 0) {
      postmaster = -1;
      if (postgres != null) {
        try (java.sql.Statement st = postgres.createStatement();
            java.sql.ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
          // a server in another PID namespace (a container) has other numbers: not ours to read
          if (rs.next() && isPostgres(rs.getLong(1))) {
            postmaster = parent(rs.getLong(1));
          }
        } catch (java.sql.SQLException e) {
          // every postgres process counts then
        }
      }
    }
    return postmaster <= 0 || pid == postmaster || parent(pid) == postmaster;
  }

  private static boolean isPostgres(long pid) {
    String comm = read(Path.of("/proc", Long.toString(pid), "comm"));
    return comm != null && comm.trim().equals("postgres");
  }

  /** The parent of a process, or -1 if it is gone or unreadable. */
  private static long parent(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) {
      return -1;
    }
    // f[0] is field 3 (state), f[1] field 4 (ppid)
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
  }

  /**
   * CPU milliseconds per saga per part between two snapshots. Postgres processes that ended in
   * between (a closed connection) are missing from the later one, so its figure is a lower bound. A
   * part missing from one snapshot has no figure, and then {@code total} is null.
   */
  static Map<String, Double> perSaga(
      Map<String, Double> before, Map<String, Double> after, long sagas) {
    Map<String, Double> per = new LinkedHashMap<>();
    if (sagas <= 0 || before.isEmpty() || after.isEmpty()) {
      return per;
    }
    double total = 0;
    boolean complete = true;
    for (Map.Entry<String, Double> e : after.entrySet()) {
      Double b = before.get(e.getKey());
      if (b == null) {
        complete &= e.getKey().startsWith("of_which_");
        continue;
      }
      double ms = Math.max(0, e.getValue() - b) * 1000 / sagas;
      per.put(e.getKey(), PhaseStats.round(ms));
      if (!e.getKey().startsWith("of_which_")) {
        total += ms;
      }
    }
    for (String part : before.keySet()) {
      complete &= part.startsWith("of_which_") || after.containsKey(part);
    }
    // a process unreadable at either end (gone, or not yet there) leaves no total rather than a
    // total without it
    per.put("total", complete ? PhaseStats.round(total) : null);
    return per;
  }

  private static void add(Map<String, Double> cpu, String part, long ticks) {
    if (ticks >= 0) {
      cpu.put(part, ticks / TICKS_PER_SECOND);
    }
  }

  /**
   * CPU seconds of a JVM process by kind of thread: {@code jit} (C1 and C2 compiler threads),
   * {@code gc}, {@code main} (the thread that runs {@code main()}: Spring's start), {@code other}
   * (every other thread, including those that ended), and {@code total}. Empty if the process is
   * gone.
   */
  static Map<String, Double> byThread(long pid) {
    Map<String, Double> m = new LinkedHashMap<>();
    long total = ticks(pid);
    if (total < 0) {
      return m;
    }
    long jit = 0;
    long gc = 0;
    long main = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat = read(task.resolve("stat"));
        if (stat == null) {
          continue;
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
          jit += t;
        } else if (name.startsWith("GC ") || name.startsWith("G1 ")) {
          gc += t;
        } else if (name.equals("java")) {
          // the thread running main() keeps the launcher's name (as does the idle primordial one)
          main += t;
        }
      }
    } catch (IOException | RuntimeException e) {
      return m;
    }
    m.put("jit", jit / TICKS_PER_SECOND);
    m.put("gc", gc / TICKS_PER_SECOND);
    m.put("main", main / TICKS_PER_SECOND);
    m.put("other", (total - jit - gc - main) / TICKS_PER_SECOND);
    m.put("total", total / TICKS_PER_SECOND);
    return m;
  }

  /** CPU seconds of the JIT compiler threads of these JVMs together (0 for a process gone). */
  static double jitSeconds(long... pids) {
    double jit = 0;
    for (long pid : pids) {
      jit += byThread(pid).getOrDefault("jit", 0.0);
    }
    return jit;
  }

  /** utime + stime of a process, or -1 if it is gone or unreadable. */
  private static long ticks(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) {
      return -1;
    }
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state); utime is field 14, stime field 15
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
