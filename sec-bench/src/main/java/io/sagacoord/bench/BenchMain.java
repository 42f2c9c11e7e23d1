package io.sagacoord.bench;

import io.sagacoord.bench.internal.BenchOptions;
import io.sagacoord.bench.internal.BenchRunner;
import java.nio.file.Path;

/**
 * The benchmark command. One argument, the mode: {@code smoke}, {@code saturation}, {@code
 * latency}, {@code recovery}, {@code footprint}, {@code ceiling} or {@code all}. Settings are
 * system properties {@code -Dbench.*} (see {@code docs/performance.md}); the result goes to {@code
 * target/bench/result.json} and {@code result.md} (or {@code -Dbench.out=<dir>}).
 */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length == 0 ? "smoke" : args[0];
    try {
      Path json = run(mode);
      System.out.println("result written to " + json.toAbsolutePath());
    } catch (Exception | Error e) {
      // the in-process broker's threads would keep this JVM alive after a failed start
      e.printStackTrace();
      System.exit(1);
    }
    // the embedded infrastructure's shutdown hooks stop Postgres and Kafka
    System.exit(0);
  }

  /** Runs one mode in this JVM; returns the JSON file written. */
  public static Path run(String mode) throws Exception {
    return new BenchRunner(mode, BenchOptions.fromSystemProperties()).run();
  }
}
