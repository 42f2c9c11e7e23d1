package io.sagacoord.bench.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the coordinator's JVM is started, from the driver's {@code bench.coordinator.*} system
 * properties: its class path, class data sharing or AOT cache, its training run, Spring AOT, the
 * garbage collector and extra JVM options.
 */
final class CoordinatorJvm {

  private CoordinatorJvm() {}

  /**
   * {@code bench.coordinator.training-sagas}: how many sagas the AOT training run carries (REST
   * starts, 10% compensating) before it is stopped; 0 stops it once it is ready (the cache then
   * lacks the reply path's profiles). Default 3000.
   */
  static int trainingWorkload() {
    return Integer.getInteger("bench.coordinator.training-sagas", 3000);
  }

  /**
   * The coordinator's class path. {@code bench.coordinator.classpath-file} names a file that holds
   * it ({@code run-bench.sh} writes sec-server's runtime class path there, the jars the
   * distribution's {@code lib/} ships, plus the sec-bench jar, whose {@code BenchSaga} the
   * coordinator loads as a {@link java.util.ServiceLoader} provider); without that file the
   * driver's own class path (the test suite), which carries more than the distribution: the
   * embedded broker, Jackson 2, log4j.
   */
  static String classpath() {
    String file = System.getProperty("bench.coordinator.classpath-file", "");
    if (!file.isBlank() && Files.isRegularFile(Path.of(file))) {
      try {
        String classpath = Files.readString(Path.of(file)).strip();
        System.out.println("[bench] coordinator class path from " + file);
        return classpath;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the coordinator class path " + file, e);
      }
    }
    System.out.println(
        "[bench] no coordinator class path file"
            + (file.isBlank() ? "" : " " + file)
            + ": the coordinator runs on the driver's class path");
    return System.getProperty("java.class.path");
  }

  /** Whether the coordinator starts with an AOT cache rather than a dynamic AppCDS archive. */
  static boolean aotCache() {
    return cdsMode().equals("auto") && Runtime.version().feature() >= 25;
  }

  /** {@code bench.coordinator.cds}: {@code auto}, {@code dynamic} or {@code false}. */
  static String cdsMode() {
    String mode = System.getProperty("bench.coordinator.cds", "auto");
    return switch (mode) {
      case "auto", "dynamic", "false" -> mode;
      case "true" -> "auto";
      default ->
          throw new IllegalArgumentException(
              "bench.coordinator.cds must be auto, dynamic or false: " + mode);
    };
  }

  /**
   * Whether the coordinator runs with the bean definitions Spring AOT generated at build time
   * ({@code -Dspring.aot.enabled=true}): {@code bench.coordinator.aot} (default true), and only if
   * the sec-server on the class path was built with them ({@code process-aot}).
   */
  static boolean aot() {
    if (!Boolean.parseBoolean(System.getProperty("bench.coordinator.aot", "true"))) {
      return false;
    }
    String initializer = "io.sagacoord.server.SecApplication__ApplicationContextInitializer";
    return CoordinatorJvm.class
            .getClassLoader()
            .getResource(initializer.replace('.', '/') + ".class")
        != null;
  }

  /**
   * The coordinator's garbage collector: G1 unless {@code bench.coordinator.jvm-args} names one.
   */
  static String coordinatorCollector() {
    String named = collector(extraJvmArgs("bench.coordinator.jvm-args"));
    return named == null ? "G1" : named;
  }

  private static final Pattern COLLECTOR_FLAG =
      Pattern.compile("-XX:\\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC");

  /** The collector an option list selects ({@code -XX:+UseParallelGC} gives Parallel), or null. */
  static String collector(List<String> jvmArgs) {
    for (String arg : jvmArgs) {
      Matcher m = COLLECTOR_FLAG.matcher(arg);
      if (m.matches()) {
        return m.group(1);
      }
    }
    return null;
  }

  /** Extra JVM options from a system property, separated by spaces (e.g. a JFR recording). */
  static List<String> extraJvmArgs(String property) {
    String value = System.getProperty(property, "").trim();
    return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
  }
}
