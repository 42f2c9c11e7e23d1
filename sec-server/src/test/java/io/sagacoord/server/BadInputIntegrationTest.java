package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.RawHttp;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Input the database cannot hold (NUL, unpaired surrogates, instants beyond its range, numbers
 * beyond numeric), malformed filters and wrong content types: each is a 4xx problem naming what is
 * wrong, and a refused request writes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIntegrationTest {

  private static final String NUL = "\\u0000";
  private static final String SURROGATE = "\\ud800";
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private ApiFixture f;
  private UUID saga;

  @BeforeAll
  void start() {
    f = ApiFixture.get();
    saga = f.start(TestSagas.TRIP, TestData.ok());
    f.awaitStatus(saga, "COMPLETED");
  }

  @Test
  void textFiltersWithANulAreA400NamingTheParameter() {
    for (String name : List.of("q", "type", "step", "participant", "sort", "status", "cursor")) {
      HttpResponse<String> r = get("/api/sagas?" + name + "=Ada%00");
      assertProblem(r, 400);
      assertThat(body(r).get("parameter").asString()).as(r.body()).isEqualTo(name);
      assertThat(body(r).get("detail").asString()).contains(name);
    }
    // bytes that are no UTF-8 (an encoded surrogate) never reach the database either
    assertThat(get("/api/sagas?q=%ED%A0%80").statusCode()).isLessThan(500);
  }

  @Test
  void filterInstantsBeyondTheStoredRangeAreClampedAndKeepTheirMeaning() {
    String farFuture = enc("+294277-01-01T00:00:00Z");
    String farPast = enc("-1000000000-01-01T00:00:00Z");
    String farthest = enc("+1000000000-12-31T23:59:59.999999999Z");

    assertThat(ids(ok("/api/sagas?limit=500&createdFrom=" + farFuture))).isEmpty();
    assertThat(ids(ok("/api/sagas?limit=500&updatedFrom=" + farthest))).isEmpty();
    assertThat(ids(ok("/api/sagas?limit=500&createdFrom=" + farPast + "&createdTo=" + farFuture)))
        .contains(saga.toString());
    assertThat(ids(ok("/api/sagas?limit=500&sort=createdAt&updatedTo=" + farthest)))
        .contains(saga.toString());
    assertThat(ids(ok("/api/sagas?limit=500&createdTo=" + farPast))).isEmpty();
  }

  @Test
  void aCraftedCursorWithATimeBeyondTheStoredRangeIsA400() {
    for (String time :
        List.of(
            "+294277-01-01T00:00:00Z",
            "+1000000000-01-01T00:00:00Z",
            "-1000000000-01-01T00:00:00Z")) {
      String cursor =
          java.util.Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(
                  ("c1|d|" + time + "|" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> r = get("/api/sagas?cursor=" + cursor);
      assertProblem(r, 400);
      assertThat(body(r).get("parameter").asString()).isEqualTo("cursor");
    }
  }

  @Test
  void aStatusListWithAnEmptyEntryIsA400() {
    for (String status : List.of(",,,", ",", "RUNNING,", ",FAILED", "RUNNING,,FAILED", "%20,")) {
      HttpResponse<String> r = get("/api/sagas?status=" + status);
      assertProblem(r, 400);
      assertThat(body(r).get("parameter").asString()).isEqualTo("status");
    }
    assertThat(get("/api/sagas?status=RUNNING,%20failed").statusCode()).isEqualTo(200);
  }

  @Test
  void aPathTheContainerRefusesIsAProblemToo() throws Exception {
    // an encoded NUL in the path never reaches a servlet: the container itself answers
    RawHttp.Answer answer =
        RawHttp.get("127.0.0.1", f.uri("/").getPort(), "/api/sagas/%00", ApiFixture.OPERATOR);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void theErrorPathRequestedDirectlyIsA404Problem() {
    for (String method : List.of("GET", "POST", "DELETE")) {
      HttpResponse<String> r = f.send(method, "/error", ApiFixture.OPERATOR, null);
      assertProblem(r, 404);
    }
  }

  @Test
  void operatorActionsWithTextTheDatabaseCannotHoldAre400AndWriteNoAuditRow() {
    long audits = count("saga_operator_audit");
    // this saga's rows only: sagas of other classes sharing the fixture may still be running
    long logs = logRows(saga);
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("{\"reason\":\"nul " + NUL + " here\"}", "reason");
    bodies.put("{\"reason\":\"half " + SURROGATE + " pair\"}", "reason");
    bodies.put("{\"reason\":\"end \\udc00\"}", "reason");
    bodies.put("{\"reason\":\"" + "r".repeat(2001) + "\"}", "reason");
    bodies.put("{\"reason\":\"ok\",\"step\":\"s1" + NUL + "\"}", "step");
    bodies.put("{\"reason\":\"ok\",\"step\":\"" + SURROGATE + "\"}", "step");
    bodies.put("{\"reason\":\"ok\",\"step\":\"" + "s".repeat(201) + "\"}", "step");
    for (String action : List.of("retry-step", "force-compensation", "resolve")) {
      for (Map.Entry<String, String> b : bodies.entrySet()) {
        HttpResponse<String> r =
            f.send(
                "POST",
                "/api/sagas/" + saga + "/actions/" + action,
                ApiFixture.OPERATOR,
                b.getKey());
        assertProblem(r, 400);
        assertThat(body(r).get("field").asString())
            .as(action + " " + r.body())
            .isEqualTo(b.getValue());
      }
    }
    assertThat(count("saga_operator_audit")).isEqualTo(audits);
    assertThat(logRows(saga)).isEqualTo(logs);
  }

  @Test
  void aRedeliveryWithABadReasonIsA400AndLeavesTheMessageAndTheAuditAlone() {
    QuarantineDao dao = f.sec.bean(QuarantineDao.class);
    long offset = 7_000_000L + (System.nanoTime() & 0xffff);
    dao.insert(
        "test entry",
        null,
        "bad-input-test",
        0,
        offset,
        Map.of(),
        "{}".getBytes(StandardCharsets.UTF_8),
        Instant.now());
    long id =
        dao.findAll().stream()
            .filter(q -> q.topic().equals("bad-input-test") && q.offset() == offset)
            .findFirst()
            .orElseThrow()
            .id();
    long audits = count("saga_operator_audit");
    for (String reason : List.of("nul " + NUL, SURROGATE + " first", "x".repeat(2001))) {
      HttpResponse<String> r =
          f.send(
              "POST",
              "/api/quarantine/" + id + "/redeliver",
              ApiFixture.OPERATOR,
              "{\"reason\":\"" + reason + "\"}");
      assertProblem(r, 400);
      assertThat(body(r).get("field").asString()).isEqualTo("reason");
    }
    assertThat(count("saga_operator_audit")).isEqualTo(audits);
    assertThat(
            JdbcClient.create(f.db.dataSource())
                .sql("SELECT redelivered_at IS NULL FROM saga_quarantine WHERE id = :id")
                .param("id", id)
                .query(Boolean.class)
                .single())
        .isTrue();
  }

  @Test
  void actionsAndRedeliveryRefuseABodyThatIsNotDeclaredJsonWith415() {
    long audits = count("saga_operator_audit");
    List<String> paths =
        List.of(
            "/api/sagas/" + saga + "/actions/retry-step",
            "/api/sagas/" + saga + "/actions/force-compensation",
            "/api/sagas/" + saga + "/actions/resolve",
            "/api/quarantine/1/redeliver");
    for (String path : paths) {
      for (String contentType : new String[] {"text/plain", "application/xml", null}) {
        HttpResponse<String> r = post(path, contentType, "{\"reason\":\"typed wrong\"}");
        assertProblem(r, 415);
      }
    }
    assertThat(count("saga_operator_audit")).isEqualTo(audits);
  }

  @Test
  void startDataOrKeysTheDatabaseCannotHoldAre400AndStartNothing() {
    long sagas = count("saga_instance");
    List<String> bodies =
        List.of(
            "{\"scenario\":\"ok\",\"note\":\"nul " + NUL + "\"}",
            "{\"scenario\":\"ok\",\"note\":\"" + SURROGATE + "\"}",
            "{\"scenario\":\"ok\",\"" + SURROGATE + "\":1}",
            "{\"scenario\":\"ok\",\"note\":1e1000000}",
            "{\"scenario\":\"ok\",\"note\":1e-20000}");
    for (String b : bodies) {
      HttpResponse<String> r = f.send("POST", "/api/sagas/" + TestSagas.TRIP, ApiFixture.ADMIN, b);
      assertProblem(r, 400);
    }
    assertThatThrownBy(() -> f.coordinator.start(TestSagas.TRIP, "key\u0000", TestData.ok()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> f.coordinator.start(TestSagas.TRIP, "key\uD800", TestData.ok()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThat(count("saga_instance")).isEqualTo(sagas);
    // text that merely looks like an escape is ordinary text
    HttpResponse<String> literal =
        f.send(
            "POST",
            "/api/sagas/" + TestSagas.TRIP,
            ApiFixture.ADMIN,
            "{\"scenario\":\"ok\",\"failTimes\":0,\"note\":\"a backslash: \\\\u0000\"}");
    assertThat(literal.statusCode()).as(literal.body()).isEqualTo(201);
  }

  // --- helpers

  private HttpResponse<String> get(String path) {
    return f.send("GET", path, ApiFixture.OPERATOR, null);
  }

  private JsonNode ok(String path) {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return body(r);
  }

  private HttpResponse<String> post(String path, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(f.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("X-API-Key", ApiFixture.OPERATOR)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("POST " + path + " failed", e);
    }
  }

  private JsonNode body(HttpResponse<String> r) {
    return json.readTree(r.body());
  }

  private static void assertProblem(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.request().uri() + " " + r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .as(r.request().uri().toString())
        .contains("application/problem+json");
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new java.util.ArrayList<>();
    page.get("items").forEach(i -> ids.add(i.get("id").asString()));
    return ids;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private long logRows(UUID sagaId) {
    return JdbcClient.create(f.db.dataSource())
        .sql("SELECT count(*) FROM saga_log WHERE saga_id = :id")
        .param("id", sagaId)
        .query(Long.class)
        .single();
  }

  private long count(String table) {
    return JdbcClient.create(f.db.dataSource())
        .sql("SELECT count(*) FROM " + table)
        .query(Long.class)
        .single();
  }
}
