package io.sagacoord.bench.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine and the settings the numbers were taken with. */
final class Environment {
  private Environment() {}

  static Map<String, Object> hardware() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("cpu_model", firstValue("/proc/cpuinfo", "model name"));
    m.put("memory_total", firstValue("/proc/meminfo", "MemTotal"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("load_average_at_start", loadAverage());
    return m;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private static String firstValue(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  static Map<String, Object> settings(BenchCluster cluster) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> pg = new LinkedHashMap<>();
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      for (String name :
          new String[] {
            "server_version",
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "wal_sync_method",
            "shared_buffers",
            "max_connections"
          }) {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
          rs.next();
          pg.put(name, rs.getString(1));
        }
      }
    }
    pg.put(
        "server",
        cluster.infraDescription()
            + "; one server for the coordinator's and the three participants' databases");
    m.put("postgres", pg);
    Map<String, Object> kafka = new LinkedHashMap<>();
    kafka.put(
        "broker",
        cluster.kafkaPid() > 0
            ? "one KRaft node in its own JVM ("
                + String.join(" ", BenchInfra.brokerJvmArgs())
                + ", bench.kafka.jvm-args)"
            : "one KRaft node, in-process in the benchmark driver JVM (unless SEC_TEST_KAFKA_BOOTSTRAP is set)");
    kafka.put(
        "producer_acks", "all (coordinator, participant SDK and ceiling producers; idempotent)");
    kafka.put(
        "log_flush",
        "broker defaults: no fsync per message (log.flush.interval.messages unset), durability by replication, which one node does not have");
    m.put("kafka", kafka);
    Map<String, Object> processes = new LinkedHashMap<>();
    processes.put(
        "coordinator",
        "io.sagacoord.server.SecApplication in its own JVM, -Xmx512m, "
            + CoordinatorJvm.coordinatorCollector()
            + ", defaults of sec.* (but for \"overrides\") and Hikari pool 10"
            + (CoordinatorJvm.aot()
                ? ", Spring AOT (-Dspring.aot.enabled=true)"
                : ", no Spring AOT")
            + switch (CoordinatorJvm.cdsMode()) {
              case "false" -> ", no class data sharing";
              default ->
                  CoordinatorJvm.aotCache()
                      ? ", AOT cache from a training run (-XX:AOTCacheOutput, -XX:AOTCache)"
                          + (CoordinatorJvm.trainingWorkload() > 0
                              ? " that carried "
                                  + CoordinatorJvm.trainingWorkload()
                                  + " sagas before SIGTERM"
                              : " stopped with SIGTERM once ready")
                      : ", dynamic AppCDS archive from a training run (-XX:ArchiveClassesAtExit)"
                          + " stopped with SIGTERM once ready";
            });
    processes.put(
        "participants",
        "bench-flight, bench-hotel, bench-car in one other JVM, -Xmx384m, one consumer thread each (bench.participant.threads)");
    processes.put(
        "driver",
        "load generator, completion poller, ceiling clients"
            + (cluster.kafkaPid() > 0 ? "" : ", Kafka broker"));
    m.put("processes", processes);
    // settings given on the command line that change the coordinator or the participants
    Map<String, String> overrides = new java.util.TreeMap<>();
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith("sec.")
          || key.startsWith("bench.participants.")
          || key.equals("bench.coordinator.jvm-args")
          || key.equals("bench.kafka.jvm-args")) {
        overrides.put(key, System.getProperty(key));
      }
    }
    m.put("overrides", overrides);
    return m;
  }
}
