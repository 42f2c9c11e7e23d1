package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchParticipantsMain;
import io.sagacoord.bench.BenchSaga;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.JavaProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Postgres and Kafka (embedded in this JVM; or an external Postgres and a broker in a JVM of its
 * own), the coordinator in a child JVM and the three participants in another child JVM. Everything
 * on this machine.
 */
public final class BenchCluster implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  static final String COORDINATOR_READY = "Started SecApplication";

  private final Infra infra;
  private final boolean durable;
  private final String secJdbc;
  private final String flightJdbc;
  private final String hotelJdbc;
  private final String carJdbc;
  private final int port;
  private JavaProcess coordinator;
  private JavaProcess participants;
  // the coordinator's class data sharing archive, once a training run made one (null: none)
  private Path cdsArchive;
  private boolean cdsTried;
  private String coordinatorClasspath;

  /** Where Postgres and Kafka are: the test kit's embedded ones, or an external Postgres. */
  interface Infra extends AutoCloseable {
    String jdbcUrl(String database);

    String username();

    String password();

    String bootstrapServers();

    String description();

    /** The broker's process when it runs in one of its own; 0 when it runs in this JVM. */
    default long kafkaPid() {
      return 0;
    }

    @Override
    void close();
  }

  private BenchCluster(Infra infra, boolean durable) {
    this.infra = infra;
    this.durable = durable;
    this.secJdbc = infra.jdbcUrl("bench_sec");
    this.flightJdbc = infra.jdbcUrl("bench_flight");
    this.hotelJdbc = infra.jdbcUrl("bench_hotel");
    this.carJdbc = infra.jdbcUrl("bench_car");
    this.port = FreePorts.one();
  }

  /**
   * Starts the infrastructure and both child processes.
   *
   * @param durable for embedded Postgres: true keeps the data in {@code dataDir} with the test
   *     kit's persistent settings (full_page_writes on, but zonky's fsync and synchronous_commit
   *     off: see the settings recorded in the result); false: the fast settings in a temporary
   *     directory. For durable numbers use {@code external}.
   * @param external a Postgres server of one's own, or null for the embedded one
   */
  public static BenchCluster start(boolean durable, Path dataDir, ExternalPostgres external) {
    Infra infra = BenchInfra.start(durable, dataDir, external);
    BenchCluster cluster = null;
    try {
      cluster = new BenchCluster(infra, durable || external != null);
      cluster.startParticipants();
      cluster.startCoordinator();
      return cluster;
    } catch (RuntimeException | Error e) {
      try {
        if (cluster != null) {
          cluster.close();
        } else {
          infra.close();
        }
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * The starter key the load generator sends (header {@code X-API-Key}); the coordinator is
   * configured with its SHA-256 only, as a STARTER limited to the benchmark saga type.
   */
  static final String API_KEY = randomKey();

  /** A VIEWER key, for reading the coordinator's meters ({@code /actuator/prometheus}). */
  static final String VIEWER_KEY = randomKey();

  private static String randomKey() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String sha256Hex(String key) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * The coordinator as a user would run it in production (on the class path of {@link
   * CoordinatorJvm#classpath()}), plus: once per run, a training run that records the classes the
   * coordinator loads, used by every start after: a faster restart is part of recovery. The
   * training coordinator starts, becomes ready and is stopped with SIGTERM, as the distribution's
   * {@code bin/sec-server} trains its archive; with an AOT cache it first carries {@link
   * CoordinatorJvm#trainingWorkload()} sagas (the cache also holds the profiles of the reply path).
   * {@code bench.coordinator.cds} says how: {@code auto} (the default) an AOT cache on a JDK of
   * version 25 or later (JEP 483, 514 and 515: classes loaded and linked ahead of time, with the
   * training run's method profiles; {@code -XX:AOTCacheOutput}, then {@code -XX:AOTCache}) and a
   * dynamic AppCDS archive before ({@code -XX:ArchiveClassesAtExit}, then {@code
   * -XX:SharedArchiveFile}); {@code dynamic} the archive on any JDK; {@code false} neither. It is
   * skipped when the class path holds directories, which neither can archive from (the test suite
   * runs from {@code target/classes}). The coordinator runs on the driver's JDK.
   */
  private void startCoordinator() {
    if (!cdsTried) {
      cdsTried = true;
      coordinatorClasspath = CoordinatorJvm.classpath();
      cdsArchive = trainCds();
    }
    JavaProcess.Builder builder = coordinatorBuilder();
    if (cdsArchive != null) {
      builder.jvmArg(
          (CoordinatorJvm.aotCache() ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cdsArchive);
    }
    coordinator = builder.start();
    coordinator.awaitLogLine(COORDINATOR_READY, START_TIMEOUT);
  }

  private Path trainCds() {
    if (CoordinatorJvm.cdsMode().equals("false")) {
      return null;
    }
    for (String entry : coordinatorClasspath.split(java.io.File.pathSeparator)) {
      if (Files.isDirectory(Path.of(entry))) {
        System.out.println("[bench] no CDS archive: the class path holds the directory " + entry);
        return null;
      }
    }
    Path archive;
    try {
      archive =
          Files.createTempDirectory("bench-cds")
              .resolve(CoordinatorJvm.aotCache() ? "coordinator.aot" : "coordinator.jsa");
    } catch (IOException e) {
      return null;
    }
    // started, ready and stopped with SIGTERM as bin/sec-server's first start ends: the JVM writes
    // the archive as it exits, with the classes loaded after the context refresh too
    try (JavaProcess training =
        coordinatorBuilder()
            .name("bench-coordinator-cds-training")
            .jvmArg(
                (CoordinatorJvm.aotCache() ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=")
                    + archive)
            .start()) {
      training.awaitLogLine(COORDINATOR_READY, START_TIMEOUT);
      if (CoordinatorJvm.trainingWorkload() > 0) {
        // both hold the classes of what the training run executed, as bin/sec-server's archive
        // holds what its first run did before its clean stop: the request, reply and relay paths
        // too, not only the context refresh; the AOT cache also keeps the method profiles (JEP
        // 515), so the restarted coordinator compiles its reply path sooner
        runTrainingSagas(training, CoordinatorJvm.trainingWorkload());
      }
      int exit = training.stop(START_TIMEOUT);
      System.out.println("[bench] CDS training run stopped, exit code " + exit);
    } catch (RuntimeException e) {
      // a failed training costs the archive, not the run
      System.out.println("[bench] the CDS training run failed (" + e + "); starting without");
      BenchFiles.deleteRecursively(archive.getParent());
      return null;
    }
    if (!Files.isRegularFile(archive)) {
      BenchFiles.deleteRecursively(archive.getParent());
      System.out.println("[bench] the CDS training run wrote no archive; starting without");
      return null;
    }
    System.out.println(
        "[bench] coordinator "
            + (CoordinatorJvm.aotCache() ? "AOT cache " : "CDS archive ")
            + archive);
    return archive;
  }

  /**
   * Starts {@code n} sagas over REST at 300/s, 10% compensating (as the JIT warm-up does), and
   * waits until every one is terminal.
   */
  private void runTrainingSagas(JavaProcess training, int n) {
    double rate = 300;
    try (Connection c = secConnection();
        CompletionTracker tracker = new CompletionTracker(c, Duration.ofMillis(200));
        LoadGenerator load = new LoadGenerator(coordinatorUri(), tracker)) {
      List<SagaRecord> records =
          load.run(rate, Duration.ofMillis((long) Math.ceil(n * 1000 / rate)), 0.1);
      if (!tracker.awaitAll(records, START_TIMEOUT)) {
        throw new BenchException(
            "the training run's sagas did not all end"
                + (training.isAlive()
                    ? ""
                    : "; the training coordinator ended, see " + training.logFile()));
      }
      System.out.println(
          "[bench] AOT training run: "
              + records.size()
              + " sagas, "
              + load.errors()
              + " starts failed");
    } catch (SQLException e) {
      throw new BenchException("the training run's sagas could not be tracked", e);
    }
  }

  private JavaProcess.Builder coordinatorBuilder() {
    JavaProcess.Builder builder =
        JavaProcess.builder("io.sagacoord.server.SecApplication")
            .classpath(coordinatorClasspath)
            .name("bench-coordinator")
            .jvmArg("-Xmx512m");
    List<String> extra = CoordinatorJvm.extraJvmArgs("bench.coordinator.jvm-args");
    if (CoordinatorJvm.collector(extra) == null) {
      // G1 unless bench.coordinator.jvm-args names another collector (two would not start)
      builder.jvmArg("-XX:+UseG1GC");
    }
    if (CoordinatorJvm.aot()) {
      builder.systemProperty("spring.aot.enabled", "true");
    }
    extra.forEach(builder::jvmArg);
    // -Dsec.x=y given to the driver reaches the coordinator (settings to compare)
    System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("sec."))
        .sorted()
        .forEach(k -> builder.systemProperty(k, System.getProperty(k)));
    return builder
        .systemProperty("sec.embedded", "false")
        .systemProperty("spring.datasource.url", secJdbc)
        .systemProperty("spring.datasource.username", infra.username())
        .systemProperty("spring.datasource.password", infra.password())
        .systemProperty("sec.kafka.bootstrap-servers", infra.bootstrapServers())
        .systemProperty("sec.instance-id", "bench-sec-1")
        .systemProperty("server.port", String.valueOf(port))
        .systemProperty("sec.security.api-keys[0].name", "bench")
        .systemProperty("sec.security.api-keys[0].sha256", sha256Hex(API_KEY))
        .systemProperty("sec.security.api-keys[0].roles", "STARTER")
        .systemProperty(
            "sec.security.api-keys[0].saga-types", BenchSaga.TYPE + "," + BenchSaga.TIMERS_TYPE)
        .systemProperty("sec.security.api-keys[1].name", "bench-viewer")
        .systemProperty("sec.security.api-keys[1].sha256", sha256Hex(VIEWER_KEY))
        .systemProperty("sec.security.api-keys[1].roles", "VIEWER")
        // bench-silent answers nothing by design (the timer sagas): its timeouts must not open a
        // circuit that would refuse those sagas' starts, so its failure rate is never judged
        .systemProperty(
            "sec.circuit.participants." + BenchSaga.SILENT.name() + ".sliding-window-type",
            "TIME_BASED")
        .systemProperty(
            "sec.circuit.participants." + BenchSaga.SILENT.name() + ".sliding-window-size", "1")
        .systemProperty(
            "sec.circuit.participants." + BenchSaga.SILENT.name() + ".minimum-calls",
            String.valueOf(Integer.MAX_VALUE))
        .systemProperty("logging.level.root", "WARN")
        .systemProperty("logging.level.io.sagacoord.server.SecApplication", "INFO");
  }

  private void startParticipants() {
    JavaProcess.Builder builder =
        JavaProcess.builder(BenchParticipantsMain.class.getName())
            .name("bench-participants")
            .jvmArg("-Xmx384m");
    CoordinatorJvm.extraJvmArgs("bench.participants.jvm-args").forEach(builder::jvmArg);
    // the participants' Kafka client settings to try (BenchParticipantsMain)
    System.getProperties().stringPropertyNames().stream()
        .filter(
            k ->
                k.startsWith("bench.participants.producer.")
                    || k.startsWith("bench.participants.consumer."))
        .forEach(k -> builder.systemProperty(k, System.getProperty(k)));
    participants =
        builder
            .systemProperty("bench.kafka", infra.bootstrapServers())
            .systemProperty("bench.jdbc.flight", flightJdbc)
            .systemProperty("bench.jdbc.hotel", hotelJdbc)
            .systemProperty("bench.jdbc.car", carJdbc)
            .systemProperty("bench.jdbc.user", infra.username())
            .systemProperty("bench.jdbc.password", infra.password())
            .systemProperty(
                "bench.participant.threads", System.getProperty("bench.participant.threads", "1"))
            .systemProperty("bench.bridged", System.getProperty("bench.bridged", "false"))
            .start();
    participants.awaitLogLine(BenchParticipantsMain.READY, START_TIMEOUT);
  }

  /** SIGKILL of the coordinator; returns when it is gone. */
  public Instant killCoordinator() {
    coordinator.kill();
    return Instant.now();
  }

  /** SIGTERM to the coordinator; returns its exit code once it is gone. */
  public int stopCoordinator() {
    return coordinator.stop(START_TIMEOUT);
  }

  /** What the coordinator's JVM maps at start: "AOT cache", "dynamic CDS archive" or "none". */
  public String coordinatorClassData() {
    if (cdsArchive == null) {
      return "none";
    }
    return CoordinatorJvm.aotCache() ? "AOT cache" : "dynamic CDS archive";
  }

  /** Starts the coordinator again with the same command line; returns at once. */
  public void restartCoordinatorNoWait() {
    coordinator = coordinator.restart();
  }

  /** Waits until the restarted coordinator logged that it started. */
  public void awaitCoordinatorStarted() {
    coordinator.awaitLogLine(COORDINATOR_READY, START_TIMEOUT);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the participants process. */
  public void freezeParticipants(boolean frozen) {
    signal(participants.pid(), frozen ? "-STOP" : "-CONT");
  }

  private static void signal(long pid, String signal) {
    try {
      Process p = new ProcessBuilder("kill", signal, String.valueOf(pid)).inheritIO().start();
      if (p.waitFor() != 0) {
        throw new BenchException("kill " + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new BenchException("kill " + signal + " " + pid + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted", e);
    }
  }

  public URI coordinatorUri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Connection secConnection() throws SQLException {
    return connect(secJdbc);
  }

  public Connection connect(String jdbcUrl) throws SQLException {
    return DriverManager.getConnection(jdbcUrl, infra.username(), infra.password());
  }

  public String secJdbc() {
    return secJdbc;
  }

  public String[] participantJdbc() {
    return new String[] {flightJdbc, hotelJdbc, carJdbc};
  }

  public String ceilingJdbc() {
    return infra.jdbcUrl("bench_ceiling");
  }

  public String bootstrapServers() {
    return infra.bootstrapServers();
  }

  public String infraDescription() {
    return infra.description();
  }

  public boolean durable() {
    return durable;
  }

  /** The log file of the coordinator's current (latest) start. */
  public Path coordinatorLog() {
    return coordinator.logFile();
  }

  public long coordinatorPid() {
    return coordinator.pid();
  }

  public long participantsPid() {
    return participants.pid();
  }

  /**
   * The Kafka broker's own process, or 0 when it runs in this JVM (the embedded infrastructure).
   */
  public long kafkaPid() {
    return infra.kafkaPid();
  }

  @Override
  public void close() {
    // each part is stopped even when stopping another failed: the broker, a JVM of its own with
    // a heap of 1 GB, last
    try {
      if (participants != null) {
        try {
          freezeParticipants(false);
        } catch (RuntimeException ignored) {
          // it may be gone already
        }
        participants.close();
      }
    } finally {
      try {
        if (coordinator != null) {
          coordinator.close();
        }
      } finally {
        try {
          if (cdsArchive != null) {
            // tens of MB, only valid for this build's class path
            BenchFiles.deleteRecursively(cdsArchive.getParent());
          }
        } finally {
          infra.close();
        }
      }
    }
  }
}
