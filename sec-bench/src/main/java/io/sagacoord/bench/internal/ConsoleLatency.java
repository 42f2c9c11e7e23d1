package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast the operator console answers with a large saga log: fills the coordinator's database
 * with sagas, signs in to the console as a browser does (the API-key form with its CSRF token, a
 * session cookie) and requests each page in turn, timing each answer as the client sees it.
 *
 * <p>The data starts from a few hundred sagas that the coordinator runs for real (so their steps,
 * log rows and fingerprints are the coordinator's own), then SQL copies them with new ids, business
 * keys and times spread over the past week until the table holds the wanted number. A small share
 * of the copies is marked FAILED, as sagas awaiting an operator; the timer sagas that have not
 * ended yet are copied as running sagas past their timeout (what the overview lists as stuck).
 */
final class ConsoleLatency {

  private static final Pattern CSRF =
      Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"|value=\"([^\"]+)\"\\s+name=\"_csrf\"");

  private final BenchCluster cluster;
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  ConsoleLatency(BenchCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts {@code count} timer sagas (their participant never answers) and does not wait. */
  void startTimerSagas(int count) throws Exception {
    for (int i = 0; i < count; i++) {
      TimerLateness.startTimerSaga(http, request("/api/sagas/" + BenchSaga.TIMERS_TYPE));
    }
  }

  /**
   * Copies the sagas in the database until it holds {@code total}; returns the counts by status.
   */
  Map<String, Object> fill(int total) throws Exception {
    long began = System.nanoTime();
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      long present = count(s, "SELECT count(*) FROM saga_instance");
      long copies = Math.max(0, total - present);
      // one row per copy: its id and the saga it copies; one in 200 copies a timer saga
      try (PreparedStatement st =
          c.prepareStatement(
              "CREATE TEMP TABLE bench_copy AS SELECT g,"
                  + " md5('console-bench-' || g)::uuid AS new_id,"
                  + " CASE WHEN g % 200 = 0 AND cardinality(tm.ids) > 0"
                  + " THEN tm.ids[1 + g % cardinality(tm.ids)]"
                  + " ELSE tr.ids[1 + g % cardinality(tr.ids)] END AS template_id,"
                  + " now() - g * interval '6 seconds' AS created_at"
                  + " FROM generate_series(1, ?) g,"
                  + " (SELECT array_agg(id ORDER BY id) AS ids FROM saga_instance"
                  + "  WHERE saga_type = ?) tr,"
                  + " (SELECT coalesce(array_agg(id ORDER BY id), '{}') AS ids FROM saga_instance"
                  + "  WHERE saga_type = ?) tm")) {
        st.setLong(1, copies);
        st.setString(2, BenchSaga.TYPE);
        st.setString(3, BenchSaga.TIMERS_TYPE);
        st.execute();
      }
      s.execute(
          "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
              + " status_reason, previous_status, data, steps, deadline, business_key, created_at,"
              + " updated_at, last_seq, finished_at, trace_context)"
              + " SELECT c.new_id, t.saga_type, t.definition_version, t.fingerprint,"
              + " CASE WHEN t.status = 'COMPENSATED' AND c.g % 7 = 0 THEN 'FAILED' ELSE t.status"
              + " END,"
              + " CASE WHEN t.status = 'COMPENSATED' AND c.g % 7 = 0"
              + " THEN 'compensation of reserve-flight failed: bench-flight answered 503'"
              + " ELSE t.status_reason END,"
              + " t.previous_status, t.data, t.steps, t.deadline + (c.created_at - t.created_at),"
              + " 'console-bench-' || c.g, c.created_at,"
              + " t.updated_at + (c.created_at - t.created_at), t.last_seq,"
              + " t.finished_at + (c.created_at - t.created_at), NULL"
              + " FROM bench_copy c JOIN saga_instance t ON t.id = c.template_id");
      s.execute(
          "INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id, detail,"
              + " event, occurred_at, handled_by, kafka_topic, kafka_partition, kafka_offset,"
              + " then_entries)"
              + " SELECT c.new_id, l.seq, l.type, l.step, l.phase, l.attempt, l.command_id,"
              + " l.detail, l.event, l.occurred_at + (c.created_at - t.created_at), l.handled_by,"
              + " l.kafka_topic, l.kafka_partition, l.kafka_offset, l.then_entries"
              + " FROM bench_copy c JOIN saga_instance t ON t.id = c.template_id"
              + " JOIN saga_log l ON l.saga_id = t.id");
      // malformed replies waiting for an operator, one a day or so
      s.execute(
          "INSERT INTO saga_quarantine (reason, saga_id, topic, kafka_partition, kafka_offset,"
              + " headers, raw_body, received_at)"
              + " SELECT 'reply is not valid JSON', md5('console-bench-q' || g)::uuid,"
              + " 'sec.replies', g % 3, 1000 + g,"
              + " jsonb_build_object('sec-message-kind', 'reply'),"
              + " convert_to('{\"seat\": 12A', 'UTF8'), now() - g * interval '23 hours'"
              + " FROM generate_series(1, 40) g");
      s.execute("DROP TABLE bench_copy");
      // a table that grew over a week has been visited by autovacuum (its insert threshold):
      // statistics, and the visibility map that lets the overview count from an index alone
      s.execute("VACUUM (ANALYZE) saga_instance");
      s.execute("ANALYZE saga_log");
      s.execute("ANALYZE saga_quarantine");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("sagas", count(s, "SELECT count(*) FROM saga_instance"));
      out.put("log_rows", count(s, "SELECT count(*) FROM saga_log"));
      Map<String, Object> byStatus = new LinkedHashMap<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT saga_type || ' ' || status, count(*) FROM saga_instance"
                  + " GROUP BY 1 ORDER BY 2 DESC")) {
        while (rs.next()) {
          byStatus.put(rs.getString(1), rs.getLong(2));
        }
      }
      out.put("by_type_and_status", byStatus);
      out.put("saga_instance_bytes_per_saga", bytesPerSaga(s));
      out.put("fill_s", PhaseStats.round((System.nanoTime() - began) / 1e9));
      return out;
    }
  }

  /** Bytes per saga of {@code saga_instance}'s heap (with TOAST) and of each of its indexes. */
  private static Map<String, Object> bytesPerSaga(Statement s) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    try (ResultSet rs =
        s.executeQuery(
            "SELECT 'table (heap and TOAST)',"
                + " pg_table_size('saga_instance') / count(*)::float8 FROM saga_instance"
                + " UNION ALL SELECT c.relname::text,"
                + " pg_relation_size(c.oid) / (SELECT count(*) FROM saga_instance)::float8"
                + " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " WHERE i.indrelid = 'saga_instance'::regclass")) {
      while (rs.next()) {
        out.put(rs.getString(1), PhaseStats.round(rs.getDouble(2)));
      }
    }
    return out;
  }

  /**
   * Signs in with the viewer key, then requests every page {@code warmup} times unmeasured and
   * {@code rounds} times measured, the pages taking turns.
   */
  Map<String, Object> measure(int warmup, int rounds) throws Exception {
    signIn();
    Map<String, String> pages = pages();
    Map<String, long[]> nanos = new LinkedHashMap<>();
    for (String page : pages.keySet()) {
      nanos.put(page, new long[rounds]);
    }
    for (int i = -warmup; i < rounds; i++) {
      for (Map.Entry<String, String> page : pages.entrySet()) {
        long took = get(page.getValue());
        if (i >= 0) {
          nanos.get(page.getKey())[i] = took;
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("warmup_requests_per_page", warmup);
    out.put("requests_per_page", rounds);
    Map<String, Object> perPage = new LinkedHashMap<>();
    double worst = 0;
    for (Map.Entry<String, long[]> page : nanos.entrySet()) {
      long[] sorted = page.getValue().clone();
      Arrays.sort(sorted);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("path", pages.get(page.getKey()));
      p.put("p50_ms", ms(sorted, 50));
      p.put("p95_ms", ms(sorted, 95));
      p.put("p99_ms", ms(sorted, 99));
      p.put("max_ms", ms(sorted, 100));
      perPage.put(page.getKey(), p);
      worst = Math.max(worst, ms(sorted, 95));
    }
    out.put("pages", perPage);
    out.put("console_p95_ms", worst);
    out.put("overview_counts", overviewCounts());
    return out;
  }

  /**
   * The COMPLETED count that {@code GET /api/stats} (the overview's source) reports, whether it is
   * an estimate, and the exact count for comparison.
   */
  private Map<String, Object> overviewCounts() throws Exception {
    HttpResponse<String> stats =
        http.send(
            request("/api/stats").header("X-API-Key", BenchCluster.VIEWER_KEY).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    Map<String, Object> out = new LinkedHashMap<>();
    Matcher completed =
        Pattern.compile("\"byStatus\":\\{[^}]*\"COMPLETED\":(\\d+)").matcher(stats.body());
    out.put("completed_reported", completed.find() ? Long.parseLong(completed.group(1)) : null);
    Matcher estimated =
        Pattern.compile("\"estimatedStatuses\":\\[([^\\]]*)\\]").matcher(stats.body());
    out.put("estimated_statuses", estimated.find() ? estimated.group(1) : null);
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      out.put(
          "completed_exact",
          count(s, "SELECT count(*) FROM saga_instance WHERE status = 'COMPLETED'"));
    }
    return out;
  }

  /** The pages an operator opens, with the saga list both plain and filtered. */
  private Map<String, String> pages() throws Exception {
    UUID compensated;
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT id FROM saga_instance WHERE status = 'COMPENSATED'"
                    + " AND business_key LIKE 'console-bench-%' ORDER BY created_at DESC LIMIT 1")) {
      if (!rs.next()) {
        throw new BenchException("no compensated saga to open in the console");
      }
      compensated = rs.getObject(1, UUID.class);
    }
    Map<String, String> pages = new LinkedHashMap<>();
    pages.put("overview", "/console");
    pages.put("sagas", "/console/sagas");
    pages.put(
        "sagas_by_status_type_step",
        "/console/sagas?status=COMPENSATED&type=" + BenchSaga.TYPE + "&step=reserve-car");
    pages.put("sagas_failed", "/console/sagas?status=FAILED");
    pages.put("sagas_by_participant", "/console/sagas?participant=bench-car");
    pages.put("sagas_text", "/console/sagas?q=console-bench-4242");
    pages.put("sagas_id_prefix", "/console/sagas?q=" + compensated.toString().substring(0, 8));
    pages.put("saga", "/console/sagas/" + compensated);
    pages.put("definitions", "/console/definitions");
    pages.put("definition", "/console/definitions/" + BenchSaga.TYPE + "/1");
    pages.put("participants", "/console/participants");
    pages.put("quarantine", "/console/quarantine");
    return pages;
  }

  private void signIn() throws Exception {
    HttpResponse<String> form =
        http.send(request("/console/sign-in").GET().build(), HttpResponse.BodyHandlers.ofString());
    if (form.statusCode() != 200) {
      throw new BenchException("the sign-in page answered " + form.statusCode());
    }
    Matcher m = CSRF.matcher(form.body());
    String body = "apiKey=" + URLEncoder.encode(BenchCluster.VIEWER_KEY, StandardCharsets.UTF_8);
    if (m.find()) {
      String token = m.group(1) != null ? m.group(1) : m.group(2);
      body += "&_csrf=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }
    HttpResponse<String> signedIn =
        http.send(
            request("/console/sign-in")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String location = signedIn.headers().firstValue("Location").orElse("");
    if (signedIn.statusCode() != 302 || location.contains("sign-in")) {
      throw new BenchException(
          "sign-in to the console answered " + signedIn.statusCode() + " to " + location);
    }
  }

  /** Nanoseconds until the whole page arrived; a page that is not 200 stops the benchmark. */
  private long get(String path) throws Exception {
    long began = System.nanoTime();
    HttpResponse<byte[]> response =
        http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    long took = System.nanoTime() - began;
    if (response.statusCode() != 200) {
      throw new BenchException(
          path
              + " answered "
              + response.statusCode()
              + response.headers().firstValue("Location").map(l -> " to " + l).orElse(""));
    }
    return took;
  }

  private HttpRequest.Builder request(String path) {
    URI uri = cluster.coordinatorUri().resolve(path);
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
  }

  private static long count(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Nearest-rank percentile in milliseconds, two decimals. */
  private static double ms(long[] sorted, int percentile) {
    int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
    long v = sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    return Math.round(v / 10_000.0) / 100.0;
  }

  static List<String> slowest(Map<String, Object> measured, double limitMs) {
    List<String> slow = new ArrayList<>();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> pages =
        (Map<String, Map<String, Object>>) measured.get("pages");
    for (Map.Entry<String, Map<String, Object>> p : pages.entrySet()) {
      if (((Number) p.getValue().get("p95_ms")).doubleValue() > limitMs) {
        slow.add(p.getKey());
      }
    }
    return slow;
  }
}
