package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Random query parameters, path values and bodies against every endpoint with operator credentials:
 * never a 5xx, and most requests get past authentication to a controller method. A second property
 * sends what the database cannot hold (NUL, unpaired surrogates, instants beyond its range, numbers
 * beyond numeric, crafted cursors, over-long text) in every query parameter and body field: never a
 * 5xx, and a refused request writes nothing.
 */
class OperatorApiPropertyTest {

  private static ApiFixture f;
  private static UUID existing;
  private static final AtomicLong sent = new AtomicLong();
  private static final AtomicLong hostileSent = new AtomicLong();
  private static final int HOSTILE_TRIES = 2000;
  private static JdbcClient jdbc;
  private static final Map<String, AtomicLong> nanos = new ConcurrentHashMap<>();
  private static long handledBefore;

  /** A request: method, path template with {v}, path value, query string, body. */
  record Req(String method, String template, String pathValue, String query, String body) {
    String path() {
      String value = URLEncoder.encode(pathValue, StandardCharsets.UTF_8);
      return template.replace("{v}", value) + (query.isEmpty() ? "" : "?" + query);
    }
  }

  @BeforeContainer
  static void start() {
    f = ApiFixture.get();
    existing = f.start(TestSagas.TRIP, TestData.ok());
    jdbc = JdbcClient.create(f.db.dataSource());
    handledBefore = f.handled.get();
  }

  @AfterContainer
  static void checkMostReachedTheHandler() {
    long handled = f.handled.get() - handledBefore;
    System.out.println(
        "[proof] random API requests: "
            + sent.get()
            + " sent, "
            + handled
            + " reached a controller method, none answered 5xx");
    assertThat(handled * 2).isGreaterThanOrEqualTo(sent.get());
    nanos.forEach(
        (template, n) ->
            System.out.println("[time] " + template + ": " + n.get() / 1_000_000 + " ms"));
    assertThat(hostileSent.get()).isGreaterThanOrEqualTo(HOSTILE_TRIES);
  }

  @Property(tries = 300)
  void noRandomRequestGetsA5xx(@ForAll("requests") Req req) {
    HttpResponse<String> r = f.send(req.method(), req.path(), ApiFixture.OPERATOR, req.body());
    sent.incrementAndGet();
    assertThat(r.statusCode())
        .as(req.method() + " " + req.path() + " -> " + r.body())
        .isLessThan(500);
    // Tomcat itself rejects some paths (e.g. an encoded NUL) with its own HTML 400 before any
    // application code runs; everything the application answers is a problem detail
    boolean rejectedByContainer =
        r.statusCode() == 400
            && r.headers().firstValue("Content-Type").orElse("").startsWith("text/html");
    if (r.statusCode() >= 400 && !rejectedByContainer) {
      assertThat(r.headers().firstValue("Content-Type").orElse(""))
          .as(req.method() + " " + req.path())
          .contains("problem+json");
    }
  }

  @Property(tries = HOSTILE_TRIES)
  void noHostileInputGetsA5xxAndARefusedRequestWritesNothing(@ForAll("hostile") Req req) {
    boolean writes = req.method().equals("POST");
    List<Long> before = writes ? writeCounts() : List.of();
    long t0 = System.nanoTime();
    HttpResponse<String> r = f.send(req.method(), req.path(), ApiFixture.OPERATOR, req.body());
    nanos.computeIfAbsent(req.template(), k -> new AtomicLong()).addAndGet(System.nanoTime() - t0);
    sent.incrementAndGet();
    hostileSent.incrementAndGet();
    String what = req.method() + " " + req.path() + " " + req.body() + " -> " + r.body();
    assertThat(r.statusCode()).as(what).isLessThan(500);
    if (r.statusCode() >= 400) {
      assertThat(r.headers().firstValue("Content-Type").orElse(""))
          .as(what)
          .contains("problem+json");
    }
    if (writes && r.statusCode() >= 400 && r.statusCode() != 409) {
      // a 409 is a refusal by the engine, audited by design; every other refusal writes nothing
      assertThat(writeCounts()).as("audit rows, sagas, redelivered: " + what).isEqualTo(before);
    }
  }

  @Provide
  Arbitrary<Req> hostile() {
    Arbitrary<String> text = hostileText();
    Arbitrary<String> query =
        Arbitraries.of(
                "status",
                "type",
                "step",
                "participant",
                "createdFrom",
                "createdTo",
                "updatedFrom",
                "updatedTo",
                "q",
                "cursor",
                "limit",
                "sort")
            .flatMap(name -> valueOf(name, text).map(v -> name + "=" + encodeQuery(v)))
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(l -> String.join("&", l));
    Arbitrary<String> quarantineQuery =
        Arbitraries.of("after", "limit", "pending")
            .flatMap(name -> text.map(v -> name + "=" + encodeQuery(v)));
    Arbitrary<String> actionBody =
        Combinators.combine(text, text.injectNull(0.5))
            .as(
                (reason, step) ->
                    "{\"reason\":"
                        + quote(reason)
                        + (step == null ? "" : ",\"step\":" + quote(step))
                        + "}");
    Arbitrary<String> startBody =
        Combinators.combine(
                Arbitraries.oneOf(text.map(OperatorApiPropertyTest::quote), hostileNumber()),
                Arbitraries.oneOf(
                    Arbitraries.just("note"),
                    text.map(t -> t.substring(0, Math.min(t.length(), 8)))))
            .as(
                (value, field) ->
                    "{\"scenario\":\"ok\",\"failTimes\":0," + quote(field) + ":" + value + "}");
    Arbitrary<String> someSaga =
        Arbitraries.oneOf(
            Arbitraries.just(existing.toString()),
            Arbitraries.create(UUID::randomUUID).map(UUID::toString));
    return Arbitraries.oneOf(
        query.map(q -> new Req("GET", "/api/sagas", "", q, null)),
        quarantineQuery.map(q -> new Req("GET", "/api/quarantine", "", q, null)),
        Combinators.combine(
                Arbitraries.of("retry-step", "force-compensation", "resolve"), someSaga, actionBody)
            .as((a, id, b) -> new Req("POST", "/api/sagas/{v}/actions/" + a, id, "", b)),
        Combinators.combine(Arbitraries.longs().between(1, 5), actionBody)
            .as((id, b) -> new Req("POST", "/api/quarantine/{v}/redeliver", "" + id, "", b)),
        startBody.map(b -> new Req("POST", "/api/sagas/{v}", TestSagas.TRIP, "", b)));
  }

  /** A query parameter's value: what the parameter expects, or hostile text. */
  private static Arbitrary<String> valueOf(String name, Arbitrary<String> text) {
    return switch (name) {
      case "createdFrom", "createdTo", "updatedFrom", "updatedTo" ->
          Arbitraries.oneOf(instants(), text);
      case "cursor" -> Arbitraries.oneOf(cursors(), text);
      case "status" ->
          Arbitraries.oneOf(
              Arbitraries.of(",,,", ",", "RUNNING,", ",FAILED", "RUNNING,,FAILED", "RUNNING"),
              text);
      default -> text;
    };
  }

  /** Ordinary text, or text with a NUL or an unpaired surrogate inside, or over-long text. */
  private static Arbitrary<String> hostileText() {
    Arbitrary<String> plain =
        Arbitraries.strings().alpha().numeric().withChars("-_ ").ofMaxLength(10);
    Arbitrary<String> poison =
        Arbitraries.of(
            "\u0000",
            "\u0000\u0000",
            "\uD800",
            "\uDBFF",
            "\uDC00",
            "\uDFFF",
            "\uDC00\uD800",
            "\uD83D\uDE00",
            "\u0000\uD800");
    return Arbitraries.frequencyOf(
        Tuple.of(6, Combinators.combine(plain, poison, plain).as((a, p, b) -> a + p + b)),
        Tuple.of(2, plain.filter(t -> !t.isBlank())),
        Tuple.of(1, Arbitraries.integers().between(195, 2100).map("x"::repeat)),
        Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(20)));
  }

  /** ISO-8601 instants, mostly beyond what PostgreSQL stores. */
  private static Arbitrary<String> instants() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "+294277-01-01T00:00:00Z",
            "-1000000000-01-01T00:00:00Z",
            "+1000000000-12-31T23:59:59.999999999Z",
            "-4714-11-24T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z",
            "+10000-01-01T00:00:00Z",
            "+999999999-12-31T23:59:59-18:00",
            "-999999999-01-01T00:00:00+18:00",
            "2026-01-01T00:00:00Z"),
        Arbitraries.longs()
            .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
            .map(s -> Instant.ofEpochSecond(s).toString()));
  }

  /** Cursors as the server makes them, with extreme times, odd ids, NULs, wrong versions. */
  private static Arbitrary<String> cursors() {
    Arbitrary<String> id =
        Arbitraries.oneOf(
            Arbitraries.create(UUID::randomUUID).map(UUID::toString),
            Arbitraries.of("1-1-1-1-1", "", "\u0000", "00000000-0000-0000-0000-00000000000\u0000"));
    return Combinators.combine(
            Arbitraries.of("c1", "c1", "c2", ""),
            Arbitraries.of("d", "d", "a", "x\u0000"),
            Arbitraries.oneOf(instants(), hostileText()),
            id)
        .as((v, s, t, i) -> v + "|" + s + "|" + t + "|" + i)
        .map(
            raw ->
                Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(raw.getBytes(StandardCharsets.UTF_8)));
  }

  /** JSON numbers beyond PostgreSQL numeric, and some within. */
  private static Arbitrary<String> hostileNumber() {
    return Arbitraries.oneOf(
        Arbitraries.of("1e1000000", "-1e131072", "1e-20000", "1e131071", "1e-400", "0.1", "-0"),
        Arbitraries.integers()
            .between(-2_000_000, 2_000_000)
            .map(e -> (e % 2 == 0 ? "-" : "") + "1.5e" + e));
  }

  /**
   * Percent-encodes a query value; an unpaired surrogate becomes the three bytes it would have in
   * CESU-8, which are not UTF-8 (what a client sending such text puts on the wire).
   */
  private static String encodeQuery(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        out.append(URLEncoder.encode(value.substring(i, i + 2), StandardCharsets.UTF_8));
        i++;
      } else if (Character.isSurrogate(c)) {
        out.append(String.format("%%ED%%%02X%%%02X", 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)));
      } else {
        out.append(URLEncoder.encode(String.valueOf(c), StandardCharsets.UTF_8));
      }
    }
    return out.toString();
  }

  /** Audit rows, sagas and redelivered quarantine entries: what an accepted POST may add. */
  private static List<Long> writeCounts() {
    return jdbc.sql(
            """
            SELECT (SELECT count(*) FROM saga_operator_audit),
                (SELECT count(*) FROM saga_instance),
                (SELECT count(*) FROM saga_quarantine WHERE redelivered_at IS NOT NULL)
            """)
        .query((rs, n) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
        .single();
  }

  @Provide
  Arbitrary<Req> requests() {
    Arbitrary<String[]> endpoint =
        Arbitraries.of(
            new String[] {"GET", "/api/sagas"},
            new String[] {"GET", "/api/sagas/{v}"},
            new String[] {"GET", "/api/sagas/{v}/log"},
            new String[] {"GET", "/api/definitions"},
            new String[] {"GET", "/api/participants"},
            new String[] {"GET", "/api/stats"},
            new String[] {"GET", "/api/quarantine"},
            new String[] {"POST", "/api/sagas/{v}/actions/retry-step"},
            new String[] {"POST", "/api/sagas/{v}/actions/force-compensation"},
            new String[] {"POST", "/api/sagas/{v}/actions/resolve"},
            new String[] {"POST", "/api/quarantine/{v}/redeliver"},
            new String[] {"POST", "/api/sagas/{v}"});
    Arbitrary<String> pathValue =
        Arbitraries.oneOf(
            Arbitraries.just(existing.toString()),
            Arbitraries.create(UUID::randomUUID).map(UUID::toString),
            Arbitraries.longs().map(l -> Long.toString(l)),
            Arbitraries.strings().ofMaxLength(40),
            Arbitraries.strings()
                .alpha()
                .numeric()
                .withChars("-_.~%")
                .ofMinLength(1)
                .ofMaxLength(40));
    Arbitrary<String> paramName =
        Arbitraries.oneOf(
            Arbitraries.of(
                "status",
                "type",
                "step",
                "participant",
                "createdFrom",
                "createdTo",
                "updatedFrom",
                "updatedTo",
                "q",
                "cursor",
                "limit",
                "sort",
                "after",
                "pending"),
            Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10));
    Arbitrary<String> paramValue =
        Arbitraries.oneOf(
            Arbitraries.of(
                "RUNNING",
                "FAILED,COMPLETED",
                "10",
                "500",
                "501",
                "-1",
                "0",
                "true",
                "createdAt",
                "-createdAt",
                "2026-01-01T00:00:00Z",
                "s1",
                "p-s1",
                "x",
                ""),
            Arbitraries.integers().map(i -> Integer.toString(i)),
            Arbitraries.strings().ofMaxLength(30));
    Arbitrary<String> query =
        Combinators.combine(paramName, paramValue)
            .as(
                (n, v) ->
                    URLEncoder.encode(n, StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(v, StandardCharsets.UTF_8))
            .list()
            .ofMaxSize(3)
            .map(l -> String.join("&", l));
    Arbitrary<String> body =
        Arbitraries.oneOf(
            Arbitraries.just("{\"reason\":\"random test\"}"),
            Arbitraries.just("{\"reason\":\"random test\",\"step\":\"s1\"}"),
            Arbitraries.strings().ofMaxLength(60).map(s -> "{\"reason\":" + quote(s) + "}"),
            Arbitraries.strings().ofMaxLength(60),
            Arbitraries.of("{}", "[]", "null", "{\"reason\":1}", "{\"reason\":\"r\",\"x\":1}", ""));
    return Combinators.combine(endpoint, pathValue, query, body)
        .as(
            (e, v, q, b) ->
                new Req(e[0], e[1], v, e[0].equals("GET") ? q : "", e[0].equals("GET") ? null : b));
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        // escaped, so that an unpaired surrogate reaches the server as such
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
