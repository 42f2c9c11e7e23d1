package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The restart mode's measurement: a quiet coordinator stopped with SIGTERM and launched again, and
 * the time from the launch until it is ready, that is until a saga started over REST right after
 * the launch has ended. Its start proves that starts are accepted, its end that the coordinator
 * consumes replies (three commands and their replies). Starts are tried every {@value #POLL_MILLIS}
 * ms until one is accepted; the end is the saga's {@code finished_at}.
 */
final class RestartRun {

  private static final long POLL_MILLIS = 20;
  private static final Duration GIVE_UP = Duration.ofMinutes(3);
  private static final Pattern STARTED =
      Pattern.compile(
          "Started SecApplication in ([0-9.]+) seconds \\(process running for ([0-9.]+)\\)");

  private final BenchCluster cluster;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  RestartRun(BenchCluster cluster) {
    this.cluster = cluster;
  }

  /** Restarts the coordinator {@code times} times; the median and each restart's figures. */
  Map<String, Object> measure(int times) throws Exception {
    List<Map<String, Object>> runs = new ArrayList<>();
    List<Double> ready = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      Map<String, Object> one = once(i);
      runs.add(one);
      BenchRunner.log("restart " + (i + 1) + " of " + times + ": " + one);
      if (one.get("launch_to_ready_s") instanceof Double d) {
        ready.add(d);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("jdk", Runtime.version().feature());
    m.put("class_data", cluster.coordinatorClassData());
    m.put("spring_aot", CoordinatorJvm.aot());
    m.put(
        "ready",
        "launch of the coordinator's JVM to the end (finished_at) of the first saga started over REST after it");
    m.put("launch_to_ready_s_median", ready.isEmpty() ? null : median(ready));
    m.put("runs", runs);
    return m;
  }

  private Map<String, Object> once(int n) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stop_exit_code", cluster.stopCoordinator());
    long launch = Micros.now();
    cluster.restartCoordinatorNoWait();
    long pid = cluster.coordinatorPid();
    URI uri = cluster.coordinatorUri().resolve("/api/sagas/" + BenchSaga.TYPE);
    long giveUp = System.nanoTime() + GIVE_UP.toNanos();
    UUID saga = null;
    long accepted = 0;
    int attempt = 0;
    while (saga == null && System.nanoTime() < giveUp) {
      String ref = "restart-" + launch + "-" + n + "-" + attempt++;
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", ref)
              .header("X-API-Key", BenchCluster.API_KEY)
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"ref\":\"" + ref + "\",\"failCar\":false}"))
              .build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
          saga = LoadGenerator.parseSagaId(response.body());
          accepted = Micros.now();
          break;
        }
      } catch (ConnectException e) {
        // not listening yet
      } catch (IOException e) {
        // the port opened while the context was still starting
      }
      Thread.sleep(POLL_MILLIS);
    }
    if (saga == null) {
      throw new BenchException("the restarted coordinator accepted no start within " + GIVE_UP);
    }
    Long ended = null;
    try (Connection c = cluster.secConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT finished_at FROM saga_instance WHERE id = ?")) {
      ps.setObject(1, saga);
      while (ended == null && System.nanoTime() < giveUp) {
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
            if (t != null) {
              ended = Micros.of(t);
            }
          }
        }
        if (ended == null) {
          Thread.sleep(POLL_MILLIS);
        }
      }
    }
    m.put("launch_to_start_accepted_s", seconds(accepted - launch));
    m.put("launch_to_ready_s", ended == null ? null : seconds(ended - launch));
    m.putAll(startedLine(cluster.coordinatorLog()));
    m.put("coordinator_cpu_s_at_ready", CpuMeter.byThread(pid));
    return m;
  }

  /** Spring Boot's own figures from the "Started SecApplication in ..." line, if logged. */
  private static Map<String, Object> startedLine(Path log) {
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      Matcher matcher = STARTED.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (matcher.find()) {
        m.put("spring_started_in_s", Double.parseDouble(matcher.group(1)));
        m.put("jvm_running_at_started_s", Double.parseDouble(matcher.group(2)));
      }
    } catch (IOException | RuntimeException e) {
      // the figures are extras; the measurement stands without them
    }
    return m;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static double seconds(long micros) {
    return PhaseStats.round(micros / 1e6);
  }
}
