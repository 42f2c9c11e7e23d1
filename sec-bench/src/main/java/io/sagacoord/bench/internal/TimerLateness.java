package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * How late timers fire on an otherwise idle coordinator: sagas of {@link BenchSaga#TIMERS_TYPE}
 * (whose step nobody answers) are started at a low rate; each fires seven timers. The figures are
 * the coordinator's own meter {@code sec.timers.lateness} (fire time minus due time), read from its
 * Prometheus endpoint once every saga has ended.
 */
final class TimerLateness {

  private static final String METER = "sec_timers_lateness_seconds";

  private final BenchCluster cluster;
  private final HttpClient http = HttpClient.newHttpClient();

  TimerLateness(BenchCluster cluster) {
    this.cluster = cluster;
  }

  /** Runs {@code sagas} sagas at {@code ratePerSecond}; returns the result keys. */
  Map<String, Object> measure(int sagas, double ratePerSecond, Duration drain) throws Exception {
    long gapNanos = (long) (1_000_000_000L / ratePerSecond);
    long next = System.nanoTime();
    for (int i = 0; i < sagas; i++) {
      LockSupport.parkNanos(next - System.nanoTime());
      next += gapNanos;
      start();
    }
    long deadline = System.nanoTime() + drain.toNanos();
    while (ended() < sagas) {
      if (System.nanoTime() - deadline > 0) {
        throw new BenchException(
            "timer sagas not all ended within " + drain + ": " + ended() + " of " + sagas);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    Map<String, Double> meter = scrape();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sagas", sagas);
    out.put("rate_per_s", ratePerSecond);
    out.put("fired", meter.getOrDefault("count", 0.0).longValue());
    out.put("p50_ms", millis(meter.get("0.5")));
    out.put("p99_ms", millis(meter.get("0.99")));
    return out;
  }

  private void start() throws Exception {
    startTimerSaga(
        http,
        HttpRequest.newBuilder(
            cluster.coordinatorUri().resolve("/api/sagas/" + BenchSaga.TIMERS_TYPE)));
  }

  /**
   * Starts one timer saga (its participant never answers) with {@code post}, a request to the timer
   * saga type's start endpoint.
   */
  static void startTimerSaga(HttpClient http, HttpRequest.Builder post) throws Exception {
    String ref = UUID.randomUUID().toString();
    HttpResponse<String> response =
        http.send(
            post.header("Content-Type", "application/json")
                .header("Idempotency-Key", ref)
                .header("X-API-Key", BenchCluster.API_KEY)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"ref\":\"" + ref + "\",\"failCar\":false}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new BenchException(
          "start of a timer saga answered " + response.statusCode() + ": " + response.body());
    }
  }

  private long ended() throws Exception {
    try (Connection c = cluster.secConnection();
        PreparedStatement st =
            c.prepareStatement(
                "SELECT count(*) FROM saga_instance WHERE saga_type = ?"
                    + " AND status IN ('COMPLETED', 'COMPENSATED', 'FAILED')")) {
      st.setString(1, BenchSaga.TIMERS_TYPE);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The meter's quantiles (by their label value) and its count, from the Prometheus text. */
  private Map<String, Double> scrape() throws Exception {
    URI uri = cluster.coordinatorUri().resolve("/actuator/prometheus");
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri).header("X-API-Key", BenchCluster.VIEWER_KEY).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new BenchException(uri + " answered " + response.statusCode());
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.startsWith(METER + "{")) {
        int q = line.indexOf("quantile=\"");
        if (q >= 0) {
          String quantile = line.substring(q + 10, line.indexOf('"', q + 10));
          values.put(quantile, value(line));
        }
      } else if (line.startsWith(METER + "_count")) {
        values.put("count", value(line));
      }
    }
    return values;
  }

  private static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  private static Double millis(Double seconds) {
    return seconds == null ? null : Math.round(seconds * 100_000.0) / 100.0;
  }
}
