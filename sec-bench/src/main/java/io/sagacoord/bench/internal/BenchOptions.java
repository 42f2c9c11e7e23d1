package io.sagacoord.bench.internal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Settings from system properties ({@code -Dbench.xxx=...}); each has a default, listed in {@code
 * docs/performance.md}.
 */
public record BenchOptions(Path outDir) {

  public static BenchOptions fromSystemProperties() {
    return new BenchOptions(Path.of(System.getProperty("bench.out", "target/bench")));
  }

  boolean durable(boolean fallback) {
    String v = System.getProperty("bench.durable");
    return v == null ? fallback : Boolean.parseBoolean(v);
  }

  int integer(String name, int fallback) {
    return Integer.getInteger(name, fallback);
  }

  double dbl(String name, double fallback) {
    String v = System.getProperty(name);
    return v == null ? fallback : Double.parseDouble(v);
  }

  List<Double> rates() {
    return Arrays.stream(System.getProperty("bench.rates", "100,250,500,1000,2000,4000").split(","))
        .map(String::trim)
        .map(Double::parseDouble)
        .toList();
  }

  List<Integer> recoverySizes() {
    return Arrays.stream(System.getProperty("bench.recovery.sizes", "1000,10000").split(","))
        .map(String::trim)
        .map(Integer::parseInt)
        .toList();
  }

  /**
   * The latency mode's rates: {@code bench.latency.rates} (default 100,500), or the one rate of
   * {@code bench.latency.rate} where only that is given.
   */
  List<Double> latencyRates() {
    String one = System.getProperty("bench.latency.rate");
    String rates = System.getProperty("bench.latency.rates", one == null ? "100,500" : one);
    return Arrays.stream(rates.split(",")).map(String::trim).map(Double::parseDouble).toList();
  }

  /** How the open-loop modes start sagas: {@code bench.starts} = rest (default) or kafka. */
  LoadGenerator.Via startVia() {
    return LoadGenerator.Via.valueOf(
        System.getProperty("bench.starts", "rest").trim().toUpperCase(java.util.Locale.ROOT));
  }

  /** For the latency mode run alone: the saturation rate measured earlier, if given. */
  Double saturationHint() {
    String v = System.getProperty("bench.saturation");
    return v == null ? null : Double.parseDouble(v);
  }
}
