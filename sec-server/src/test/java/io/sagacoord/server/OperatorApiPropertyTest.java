package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random query parameters, path values and bodies against every endpoint with operator credentials:
 * never a 5xx, and most requests get past authentication to a controller method.
 */
class OperatorApiPropertyTest {

  private static ApiFixture f;
  private static UUID existing;
  private static final AtomicLong sent = new AtomicLong();
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
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
