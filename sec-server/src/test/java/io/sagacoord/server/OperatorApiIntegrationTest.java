package io.sagacoord.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.OpenApiContract;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator REST API on a real Postgres and Kafka: authorization matrix, pagination under
 * concurrent starts, operator actions with audit and timeline, bad input, participants, quarantine,
 * and the OpenAPI document.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorApiIntegrationTest {

  private static final String REASON = "{\"reason\":\"test\"}";
  private final JsonMapper json = JsonMapper.builder().build();
  private ApiFixture f;
  private UUID completed;

  @BeforeAll
  void start() {
    f = ApiFixture.get();
    completed = f.start(TestSagas.TRIP, TestData.ok());
    f.awaitStatus(completed, "COMPLETED");
  }

  // --- authorization

  private enum Access {
    READ,
    OPERATE,
    START,
    /** any authenticated caller */
    ANY
  }

  private record Endpoint(String method, String path, String body, Access access) {}

  /**
   * The routes as documented, each with the method it is documented for; {@code saga} is a saga of
   * the matrix's own, so that the audit rows of allowed actions stay apart from other tests.
   */
  private List<Endpoint> routes(UUID saga) {
    String id = saga.toString();
    return List.of(
        new Endpoint("GET", "/api/sagas", null, Access.READ),
        new Endpoint("GET", "/api/sagas/" + id, null, Access.READ),
        new Endpoint("GET", "/api/sagas/" + id + "/log", null, Access.READ),
        new Endpoint("GET", "/api/sagas/" + id + "/end?wait=PT0S", null, Access.READ),
        new Endpoint("GET", "/api/definitions", null, Access.READ),
        new Endpoint("GET", "/api/participants", null, Access.READ),
        new Endpoint("GET", "/api/stats", null, Access.READ),
        new Endpoint("GET", "/api/quarantine", null, Access.READ),
        new Endpoint("GET", "/actuator/prometheus", null, Access.READ),
        new Endpoint("GET", "/actuator/metrics", null, Access.READ),
        new Endpoint("POST", "/api/sagas/" + id + "/actions/retry-step", REASON, Access.OPERATE),
        new Endpoint(
            "POST", "/api/sagas/" + id + "/actions/force-compensation", REASON, Access.OPERATE),
        new Endpoint("POST", "/api/sagas/" + id + "/actions/resolve", REASON, Access.OPERATE),
        new Endpoint("POST", "/api/quarantine/999999/redeliver", REASON, Access.OPERATE),
        new Endpoint(
            "POST",
            "/api/sagas/" + TestSagas.TRIP,
            json.writeValueAsString(TestData.ok()),
            Access.START));
  }

  /**
   * Every route with its documented method, plus HEAD and OPTIONS on every route and other methods
   * on some: a method other than the documented one needs the role of the path (an operator path
   * stays OPERATOR; any other API path needs a reading role, even where POST is a start).
   */
  private List<Endpoint> endpoints(UUID saga) {
    List<Endpoint> all = new ArrayList<>();
    for (Endpoint route : routes(saga)) {
      all.add(route);
      Access other = route.access() == Access.START ? Access.READ : route.access();
      for (String method : new String[] {"HEAD", "OPTIONS"}) {
        all.add(new Endpoint(method, route.path(), null, other));
      }
      if (route.path().startsWith("/api/")) {
        for (String method : new String[] {"PUT", "DELETE", "PATCH"}) {
          all.add(new Endpoint(method, route.path(), route.body(), other));
        }
      }
    }
    return all;
  }

  private static String bearer(com.nimbusds.jwt.JWTClaimsSet.Builder claims) {
    return "Bearer " + ApiFixture.get().sign(claims.build(), false);
  }

  @Test
  void everyEndpointAndMethodButHealthAnswers401WithoutOrWithBadCredentialsAnd403ForAMissingRole() {
    List<String> admin = List.of("ADMIN");
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("no credentials", null);
    bad.put("wrong API key", "wrong-key");
    bad.put("expired jwt", "Bearer " + f.jwt(admin, Instant.now().minusSeconds(3600), false));
    bad.put("jwt by another key", "Bearer " + f.jwt(admin, Instant.now().plusSeconds(600), true));
    bad.put("not a jwt", "Bearer not-a-jwt");
    bad.put("jwt without exp", bearer(ApiFixture.claims(admin).expirationTime(null)));
    bad.put("jwt without sub", bearer(ApiFixture.claims(admin).subject(null)));
    bad.put("jwt with blank sub", bearer(ApiFixture.claims(admin).subject(" ")));
    bad.put("jwt of another issuer", bearer(ApiFixture.claims(admin).issuer("https://other")));
    bad.put("jwt without issuer", bearer(ApiFixture.claims(admin).issuer(null)));
    bad.put("jwt for another audience", bearer(ApiFixture.claims(admin).audience("billing")));
    bad.put("jwt without audience", bearer(ApiFixture.claims(admin).audience((String) null)));
    Map<String, Set<Access>> roles = new LinkedHashMap<>();
    roles.put(ApiFixture.VIEWER, Set.of(Access.READ));
    roles.put(ApiFixture.OPERATOR, Set.of(Access.READ, Access.OPERATE));
    roles.put(ApiFixture.STARTER, Set.of(Access.START));
    roles.put(ApiFixture.TRIP_STARTER, Set.of(Access.START));
    // a starter with an empty type list may start nothing: 403 on the start route too
    roles.put(ApiFixture.NO_TYPE_STARTER, Set.of());
    roles.put(ApiFixture.ADMIN, Set.of(Access.READ, Access.OPERATE, Access.START));
    roles.put(
        "Bearer " + f.jwt(List.of("VIEWER"), Instant.now().plusSeconds(600), false),
        Set.of(Access.READ));
    roles.put(
        "Bearer " + f.jwt(List.of("operator"), Instant.now().plusSeconds(600), false),
        Set.of(Access.READ, Access.OPERATE));
    // roles from scopes only with the prefix; bare scope words grant nothing
    roles.put(
        bearer(ApiFixture.claims(List.of()).claim("scope", "openid sec:viewer")),
        Set.of(Access.READ));
    roles.put(
        bearer(ApiFixture.claims(List.of()).claim("scope", "openid profile admin operator")),
        Set.of());
    roles.put(
        bearer(ApiFixture.claims(List.of()).claim("scp", List.of("admin", "starter"))), Set.of());
    roles.put(
        bearer(ApiFixture.claims(List.of("STARTER")).claim("saga_types", List.of())), Set.of());
    UUID saga = f.start(TestSagas.TRIP, TestData.ok());
    f.awaitStatus(saga, "COMPLETED");
    List<String> failures = new ArrayList<>();
    int checks = 0;
    for (Endpoint e : endpoints(saga)) {
      for (Map.Entry<String, String> b : bad.entrySet()) {
        long writes = writes();
        long handled = f.handled.get();
        int status = f.send(e.method(), e.path(), b.getValue(), e.body()).statusCode();
        checks++;
        if (status != 401) {
          failures.add(e.method() + " " + e.path() + " with " + b.getKey() + ": " + status);
        }
        if (writes() != writes || f.handled.get() != handled) {
          failures.add(e.method() + " " + e.path() + " with " + b.getKey() + " reached the API");
        }
      }
      for (Map.Entry<String, Set<Access>> role : roles.entrySet()) {
        long writes = writes();
        HttpResponse<String> r = f.send(e.method(), e.path(), role.getKey(), e.body());
        checks++;
        boolean allowed = e.access() == Access.ANY || role.getValue().contains(e.access());
        boolean ok =
            allowed ? r.statusCode() != 401 && r.statusCode() != 403 : r.statusCode() == 403;
        if (!ok || r.statusCode() >= 500) {
          failures.add(
              e.method()
                  + " "
                  + e.path()
                  + " as "
                  + label(role.getKey())
                  + ": "
                  + r.statusCode()
                  + " "
                  + r.body().substring(0, Math.min(200, r.body().length())));
        }
        if (!allowed && writes() != writes) {
          failures.add(e.method() + " " + e.path() + " as " + label(role.getKey()) + " wrote");
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
          assertThat(r.headers().firstValue("Content-Type").orElse(""))
              .contains("application/problem+json");
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(f.send("GET", "/actuator/health", null, null).statusCode()).isEqualTo(200);
    System.out.println("[proof] authorization matrix: " + checks + " checks passed");
  }

  /** Rows a request could write: sagas and operator audit entries. */
  private long writes() {
    return count("saga_instance") + count("saga_operator_audit");
  }

  private static String label(String credential) {
    if (credential == null) {
      return "no credentials";
    }
    if (!credential.startsWith("Bearer ")) {
      return credential;
    }
    String[] parts = credential.substring(7).split("\\.");
    return parts.length == 3
        ? "jwt " + new String(java.util.Base64.getUrlDecoder().decode(parts[1]), UTF_8)
        : "bearer " + credential.substring(7);
  }

  @Test
  void starterLimitedToOneTypeGets403ForAnotherTypeAndNothingIsWritten() {
    long sagas = count("saga_instance");

    HttpResponse<String> other =
        f.send(
            "POST",
            "/api/sagas/" + TestSagas.DEADLINE,
            ApiFixture.TRIP_STARTER,
            json.writeValueAsString(TestData.ok()));
    HttpResponse<String> own =
        f.send(
            "POST",
            "/api/sagas/" + TestSagas.TRIP,
            ApiFixture.TRIP_STARTER,
            json.writeValueAsString(TestData.ok()));

    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(json.readTree(other.body()).get("title").asString())
        .isEqualTo("Saga type not allowed");
    assertThat(own.statusCode()).isEqualTo(201);
    assertThat(count("saga_instance")).isEqualTo(sagas + 1);
  }

  // --- operator actions

  @Test
  void forceCompensationCompensatesARunningSagaAndIsAuditedAndInTheTimeline() {
    UUID id = f.start(TestSagas.TRIP, TestData.of("silent", "s2"));
    await().atMost(Duration.ofSeconds(30)).until(() -> !f.participants.received(id).isEmpty());
    awaitStep(id, "s2", "IN_PROGRESS");

    HttpResponse<String> r =
        f.send(
            "POST",
            "/api/sagas/" + id + "/actions/force-compensation",
            ApiFixture.OPERATOR,
            "{\"reason\":\"customer cancelled\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json.readTree(r.body()).get("status").asString()).isEqualTo("COMPENSATING");
    // s2 (silent, 60 s timeout) must settle before s1 is undone in reverse order
    SagaView view = f.coordinator.find(id).orElseThrow();
    assertThat(view.status()).isEqualTo("COMPENSATING");
    assertThat(view.statusReason()).contains("forced by api-key:operator");
    assertAudited(id, "force-compensation", "APPLIED", "customer cancelled");
    assertInTimeline(id, "OPERATOR_FORCE_COMPENSATION", "force-compensation");

    HttpResponse<String> again =
        f.send(
            "POST",
            "/api/sagas/" + id + "/actions/force-compensation",
            ApiFixture.OPERATOR,
            REASON);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    assertThat(again.headers().firstValue("Content-Type").orElse("")).contains("problem+json");
    assertAudited(id, "force-compensation", "REJECTED", "test");
  }

  @Test
  void forceCompensationAfterThePivotIsRefusedWith409AndAudited() {
    UUID id = f.start(ApiFixture.AFTER_PIVOT, TestData.of("silent", "s3"));
    awaitStep(id, "s3", "IN_PROGRESS");

    HttpResponse<String> r =
        f.send(
            "POST",
            "/api/sagas/" + id + "/actions/force-compensation",
            ApiFixture.OPERATOR,
            REASON);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(f.coordinator.find(id).orElseThrow().status()).isEqualTo("RUNNING");
    assertAudited(id, "force-compensation", "REJECTED", "test");
    assertInTimeline(id, null, "force-compensation");
  }

  @Test
  void resolveMarksAFailedSagaCompletedAndIsRefusedForOtherStates() {
    UUID failed = f.start(TestSagas.TRIP, TestData.of("throw", "s1"));
    f.awaitStatus(failed, "FAILED");

    HttpResponse<String> onCompleted =
        f.send("POST", "/api/sagas/" + completed + "/actions/resolve", ApiFixture.OPERATOR, REASON);
    HttpResponse<String> r =
        f.send(
            "POST",
            "/api/sagas/" + failed + "/actions/resolve",
            ApiFixture.OPERATOR,
            "{\"reason\":\"fixed by hand in the hotel system\"}");

    assertThat(onCompleted.statusCode()).isEqualTo(409);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    SagaView view = f.coordinator.find(failed).orElseThrow();
    assertThat(view.status()).isEqualTo("COMPLETED");
    assertThat(view.statusReason()).contains("resolved by");
    assertAudited(failed, "resolve", "APPLIED", "fixed by hand in the hotel system");
    assertInTimeline(failed, "OPERATOR_RESOLVED", "resolve");
  }

  @Test
  void retryStepSendsTheStuckStepAgainForAFailedSagaAndIsRefusedForAFinishedOne() {
    UUID failed = f.start(TestSagas.TRIP, TestData.of("throw", "s1"));
    f.awaitStatus(failed, "FAILED");
    long before = forward(failed, "s1");

    HttpResponse<String> r =
        f.send(
            "POST",
            "/api/sagas/" + failed + "/actions/retry-step",
            ApiFixture.OPERATOR,
            "{\"reason\":\"participant fixed\",\"step\":\"s1\"}");
    HttpResponse<String> onCompleted =
        f.send(
            "POST", "/api/sagas/" + completed + "/actions/retry-step", ApiFixture.OPERATOR, REASON);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> forward(failed, "s1") > before);
    assertThat(onCompleted.statusCode()).isEqualTo(409);
    assertAudited(failed, "retry-step", "APPLIED", "participant fixed");
    assertAudited(completed, "retry-step", "REJECTED", "test");
    assertInTimeline(failed, "OPERATOR_RETRY", "retry-step");
  }

  @Test
  void actionsWithoutAReasonAre400AndUnknownSagasAre404() {
    String path = "/api/sagas/" + completed + "/actions/resolve";
    assertThat(f.send("POST", path, ApiFixture.OPERATOR, "{}").statusCode()).isEqualTo(400);
    assertThat(f.send("POST", path, ApiFixture.OPERATOR, "{\"reason\":\" \"}").statusCode())
        .isEqualTo(400);
    assertThat(f.send("POST", path, ApiFixture.OPERATOR, "not json").statusCode()).isEqualTo(400);
    assertThat(f.send("POST", path, ApiFixture.OPERATOR, null).statusCode()).isEqualTo(400);
    assertThat(
            f.send(
                    "POST",
                    "/api/sagas/" + UUID.randomUUID() + "/actions/resolve",
                    ApiFixture.OPERATOR,
                    REASON)
                .statusCode())
        .isEqualTo(404);
  }

  // --- reading

  @Test
  void walkingAllPagesWhileSagasAreCreatedReturnsEachExistingSagaExactlyOnce() throws Exception {
    for (int i = 0; i < 25; i++) {
      f.start(TestSagas.TRIP, TestData.ok());
    }
    Set<UUID> existing = new HashSet<>(allIds());
    AtomicBoolean creating = new AtomicBoolean(true);
    Thread creator =
        new Thread(
            () -> {
              while (creating.get()) {
                f.start(TestSagas.TRIP, TestData.ok());
              }
            });
    creator.start();
    List<UUID> seen = new ArrayList<>();
    int pages = 0;
    try {
      for (String sort : new String[] {"-createdAt", "createdAt"}) {
        seen.clear();
        String cursor = null;
        do {
          String path =
              "/api/sagas?limit=7&sort=" + sort + (cursor == null ? "" : "&cursor=" + cursor);
          HttpResponse<String> r = f.send("GET", path, ApiFixture.VIEWER, null);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          JsonNode page = json.readTree(r.body());
          for (JsonNode item : page.get("items")) {
            seen.add(UUID.fromString(item.get("id").asString()));
          }
          cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
          pages++;
        } while (cursor != null && seen.size() < existing.size() + 2000);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(existing);
      }
    } finally {
      creating.set(false);
      creator.join();
    }
    System.out.println(
        "[proof] pagination: "
            + existing.size()
            + " sagas each seen once over "
            + pages
            + " pages");
  }

  private List<UUID> allIds() {
    return JdbcClient.create(f.db.dataSource())
        .sql("SELECT id FROM saga_instance")
        .query(UUID.class)
        .list();
  }

  @Test
  void freeTextFindsASagaByTheIdempotencyKeyItWasStartedWith() {
    String key = "order-" + UUID.randomUUID();
    UUID started =
        f.coordinator.start(ApiFixture.AFTER_PIVOT, key, TestData.of("silent", "s3")).sagaId();

    JsonNode byKey = get("/api/sagas?q=" + key);
    JsonNode byKeyStart = get("/api/sagas?q=" + key.substring(0, 12));

    assertThat(ids(byKey)).containsExactly(started);
    // a key is matched whole: its id follows from it, a part of it names no saga
    assertThat(ids(byKeyStart)).doesNotContain(started);
  }

  @Test
  void listFiltersByStatusTypeCurrentStepParticipantAndText() {
    UUID waiting = f.start(ApiFixture.AFTER_PIVOT, TestData.of("silent", "s3"));
    awaitStep(waiting, "s3", "IN_PROGRESS");

    JsonNode byStep = get("/api/sagas?type=" + ApiFixture.AFTER_PIVOT + "&step=s3&status=RUNNING");
    JsonNode byParticipant = get("/api/sagas?participant=p-s3&limit=500");
    JsonNode byText = get("/api/sagas?q=" + waiting.toString().substring(0, 13));
    JsonNode none = get("/api/sagas?status=COMPLETED&type=" + ApiFixture.AFTER_PIVOT);
    JsonNode window =
        get("/api/sagas?createdFrom=2000-01-01T00:00:00Z&createdTo=2100-01-01T00:00:00Z&limit=1");

    assertThat(ids(byStep)).contains(waiting);
    assertThat(ids(byParticipant)).contains(waiting);
    assertThat(ids(byText)).containsExactly(waiting);
    assertThat(ids(none)).doesNotContain(waiting);
    assertThat(window.get("items")).hasSize(1);
    assertThat(window.get("nextCursor").isNull()).isFalse();
  }

  @Test
  void listFilteredByStatusFindsCompletedSagasAsWellAsThoseTheStatusIndexHolds() {
    // the status index leaves out COMPLETED sagas: a filter with COMPLETED walks the
    // created_at index, one without it says so for the partial index
    UUID waiting = f.start(ApiFixture.AFTER_PIVOT, TestData.of("silent", "s3"));
    awaitStep(waiting, "s3", "IN_PROGRESS");

    String done = "&q=" + completed.toString().substring(0, 13);
    String open = "&q=" + waiting.toString().substring(0, 13);

    assertThat(ids(get("/api/sagas?status=COMPLETED" + done))).containsExactly(completed);
    assertThat(ids(get("/api/sagas?status=COMPLETED" + open))).isEmpty();
    assertThat(ids(get("/api/sagas?status=RUNNING" + open))).containsExactly(waiting);
    assertThat(ids(get("/api/sagas?status=RUNNING" + done))).isEmpty();
    assertThat(ids(get("/api/sagas?status=COMPLETED,RUNNING" + done))).containsExactly(completed);
    assertThat(ids(get("/api/sagas?status=COMPLETED,RUNNING" + open))).containsExactly(waiting);
  }

  @Test
  void aFinishedSagaIsListedAndFilteredByItsUpdateTimeThoughTheColumnLeavesItOut() {
    // updated_at is null where it is finished_at; the API shows and filters the time
    java.time.Instant updated =
        java.time.Instant.parse(get("/api/sagas/" + completed).get("updatedAt").asString());
    String done = "&q=" + completed.toString().substring(0, 13);

    JsonNode from = get("/api/sagas?updatedFrom=" + updated + done);
    assertThat(ids(from)).containsExactly(completed);
    assertThat(java.time.Instant.parse(from.get("items").get(0).get("updatedAt").asString()))
        .isEqualTo(updated);
    assertThat(ids(get("/api/sagas?updatedTo=" + updated.plusNanos(1_000) + done)))
        .containsExactly(completed);
    assertThat(ids(get("/api/sagas?updatedTo=" + updated + done))).isEmpty();
    assertThat(ids(get("/api/sagas?updatedFrom=" + updated.plusNanos(1_000) + done))).isEmpty();
  }

  @Test
  void sagaDetailShowsDefinitionStepsAndTimersAndTheLogShowsKafkaPositions() {
    UUID waiting = f.start(ApiFixture.AFTER_PIVOT, TestData.of("silent", "s3"));
    awaitStep(waiting, "s3", "IN_PROGRESS");

    JsonNode detail = get("/api/sagas/" + waiting);
    JsonNode log = get("/api/sagas/" + waiting + "/log");

    assertThat(detail.get("definition").get("name").asString()).isEqualTo(ApiFixture.AFTER_PIVOT);
    assertThat(detail.get("definition").get("fingerprint").asString()).hasSize(64);
    assertThat(detail.get("steps")).hasSize(3);
    assertThat(detail.get("steps").get(2).get("participant").asString()).isEqualTo("p-s3");
    assertThat(detail.get("timers").size()).isGreaterThanOrEqualTo(1);
    boolean withKafka = false;
    for (JsonNode e : log.get("entries")) {
      withKafka |= e.hasNonNull("kafka") && e.get("kafka").get("offset").asLong() >= 0;
    }
    assertThat(withKafka).isTrue();
    assertThat(log.get("entries").get(0).get("commandId")).isNotNull();
  }

  @Test
  void definitionsStatsAndParticipantsFromRegistryAnnouncements() throws Exception {
    Map<String, Object> config = f.kafka.producerConfig();
    config.put("key.serializer", StringSerializer.class.getName());
    config.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      String body =
          "{\"participant\":\"p-s1\",\"instance\":\"p-s1-a\",\"version\":\"1.2\","
              + "\"commandTypes\":[\"s1.do\"],\"compensationTypes\":[\"s1.undo\"],"
              + "\"announcedAt\":\""
              + Instant.now()
              + "\"}";
      producer
          .send(
              new ProducerRecord<>(f.registryTopic, "p-s1", body.getBytes(StandardCharsets.UTF_8)))
          .get();
      producer
          .send(
              new ProducerRecord<>(
                  f.registryTopic, "x", "garbage".getBytes(StandardCharsets.UTF_8)))
          .get();
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode p = get("/api/participants");
              JsonNode s1 = null;
              for (JsonNode n : p) {
                if (n.get("participant").asString().equals("p-s1")) {
                  s1 = n;
                }
              }
              assertThat(s1).isNotNull();
              assertThat(s1.get("instances")).hasSize(1);
              assertThat(s1.get("commandTypes").get(0).asString()).isEqualTo("s1.do");
            });
    JsonNode definitions = get("/api/definitions");
    JsonNode stats = get("/api/stats");

    assertThat(definitions.size()).isEqualTo(3);
    assertThat(definitions.get(0).get("description").get("steps").size()).isGreaterThan(0);
    assertThat(stats.get("byStatus").get("COMPLETED").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(stats.get("byType").has(TestSagas.TRIP)).isTrue();
    assertThat(stats.has("stuck")).isTrue();
  }

  @Test
  void aQuarantinedReplyIsListedAndRedeliveredOnce() {
    String replyTopic =
        f.sec.bean(io.sagacoord.server.config.SecProperties.class).kafka().replyTopic();
    UUID unknown = UUID.randomUUID();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(io.sagacoord.protocol.SagaHeaders.SAGA_ID, unknown.toString());
    headers.put(io.sagacoord.protocol.SagaHeaders.MESSAGE_KIND, "reply");
    f.participants.send(replyTopic, unknown.toString(), headers, "{\"x\":1}");
    long[] id = new long[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (JsonNode q : get("/api/quarantine?pending=true&limit=500").get("items")) {
                if (q.get("headers").toString().contains(unknown.toString())) {
                  id[0] = q.get("id").asLong();
                  return true;
                }
              }
              return false;
            });

    HttpResponse<String> first =
        f.send("POST", "/api/quarantine/" + id[0] + "/redeliver", ApiFixture.OPERATOR, REASON);
    HttpResponse<String> second =
        f.send("POST", "/api/quarantine/" + id[0] + "/redeliver", ApiFixture.OPERATOR, REASON);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(json.readTree(first.body()).get("outcome").asString())
        .isEqualTo("QUARANTINED_AGAIN");
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(
            JdbcClient.create(f.db.dataSource())
                .sql("SELECT count(*) FROM saga_operator_audit WHERE quarantine_id = :id")
                .param("id", id[0])
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void badInputIsA4xxProblemNeverA5xx() {
    Map<String, Integer> cases = new LinkedHashMap<>();
    cases.put("/api/sagas/not-a-uuid", 400);
    cases.put("/api/sagas/" + UUID.randomUUID(), 404);
    cases.put("/api/sagas/" + UUID.randomUUID() + "/log", 404);
    cases.put("/api/sagas?limit=501", 400);
    cases.put("/api/sagas?limit=0", 400);
    cases.put("/api/sagas?limit=abc", 400);
    cases.put("/api/sagas?color=red", 400);
    cases.put("/api/sagas?sort=name", 400);
    cases.put("/api/sagas?cursor=bm9wZQ", 400);
    cases.put("/api/sagas?status=DONE", 400);
    cases.put("/api/sagas?createdFrom=yesterday", 400);
    cases.put("/api/quarantine?after=-1", 400);
    cases.put("/api/stats?x=1", 400);
    for (Map.Entry<String, Integer> c : cases.entrySet()) {
      HttpResponse<String> r = f.send("GET", c.getKey(), ApiFixture.OPERATOR, null);
      assertThat(r.statusCode()).as(c.getKey() + " " + r.body()).isEqualTo(c.getValue());
      assertThat(r.headers().firstValue("Content-Type").orElse(""))
          .as(c.getKey())
          .contains("application/problem+json");
    }
    String big = "{\"reason\":\"" + "x".repeat(1_100_000) + "\"}";
    HttpResponse<String> tooLarge =
        f.send("POST", "/api/sagas/" + completed + "/actions/resolve", ApiFixture.OPERATOR, big);
    assertThat(tooLarge.statusCode()).isEqualTo(413);
  }

  @Test
  void theContractIsServedWithoutCredentialsExactlyAsDocsOpenapiJsonHoldsIt() throws Exception {
    HttpResponse<String> r = f.send("GET", "/v3/api-docs", null, null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(r.body()).isEqualTo(Files.readString(OpenApiContract.DOCUMENT));
  }

  @Test
  void everyRouteOfTheApiIsInTheContractAndEveryOperationOfTheContractIsARoute() {
    Set<String> routes = new TreeSet<>();
    f.sec
        .bean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class)
        .getHandlerMethods()
        .forEach(
            (info, method) -> {
              for (String path : info.getPatternValues()) {
                if (path.startsWith("/api/") || path.startsWith("/v3/")) {
                  for (RequestMethod m : info.getMethodsCondition().getMethods()) {
                    routes.add(m.name() + " " + path.replaceAll("\\{[^}]+}", "{}"));
                  }
                }
              }
            });
    Set<String> operations = new TreeSet<>();
    JsonNode paths = json.readTree(OpenApiContract.DOCUMENT.toFile()).get("paths");
    for (String path : paths.propertyNames()) {
      for (String method : paths.get(path).propertyNames()) {
        operations.add(
            method.toUpperCase(java.util.Locale.ROOT) + " " + path.replaceAll("\\{[^}]+}", "{}"));
      }
    }

    assertThat(routes).isNotEmpty().isEqualTo(operations);
  }

  @Test
  void everyProblemHasATypeAStableTitleAndADetailInOurWordsWithEchoedInputAbbreviated() {
    String longType = "t".repeat(5000);
    Map<String, HttpResponse<String>> cases = new LinkedHashMap<>();
    cases.put(
        "unknown long saga type",
        f.send("POST", "/api/sagas/" + longType, ApiFixture.ADMIN, "{\"scenario\":\"ok\"}"));
    cases.put("unknown route", f.send("GET", "/api/no-such-thing", ApiFixture.VIEWER, null));
    cases.put(
        "null for a number",
        f.send(
            "POST",
            "/api/sagas/" + TestSagas.TRIP,
            ApiFixture.ADMIN,
            "{\"scenario\":\"ok\",\"failTimes\":null}"));
    cases.put(
        "not JSON", f.send("POST", "/api/sagas/" + TestSagas.TRIP, ApiFixture.ADMIN, "{nope"));
    cases.put("wrong method", f.send("DELETE", "/api/sagas/" + completed, ApiFixture.ADMIN, null));
    cases.put("bad id", f.send("GET", "/api/sagas/not-a-uuid", ApiFixture.VIEWER, null));
    cases.put("no credentials", f.send("GET", "/api/sagas", null, null));
    cases.put("wrong key", f.send("GET", "/api/sagas", "wrong-key", null));
    cases.put(
        "not allowed in this state",
        f.send(
            "POST", "/api/sagas/" + completed + "/actions/resolve", ApiFixture.OPERATOR, REASON));

    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, HttpResponse<String>> c : cases.entrySet()) {
      HttpResponse<String> r = c.getValue();
      JsonNode p = json.readTree(r.body());
      String type = p.path("type").asString("");
      String title = p.path("title").asString("");
      String detail = p.path("detail").asString("");
      boolean ok =
          r.statusCode() >= 400
              && r.statusCode() < 500
              && r.headers()
                  .firstValue("Content-Type")
                  .orElse("")
                  .startsWith("application/problem+json")
              && type.equals(
                  "https://sagacoord.io/problems/"
                      + title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-"))
              && !detail.isBlank()
              && !r.body().contains("t".repeat(150))
              && !detail.contains("DeserializationFeature")
              && !detail.contains("No static resource")
              && !detail.contains("Unexpected character")
              && !detail.contains("tools.jackson")
              && !detail.contains("Jwt");
      if (!ok) {
        failures.add(c.getKey() + ": " + r.statusCode() + " " + r.body());
      }
    }

    assertThat(failures).isEmpty();
    assertThat(json.readTree(cases.get("null for a number").body()).get("detail").asString())
        .contains("'failTimes' must be a number");
  }

  // --- helpers

  private JsonNode get(String path) {
    HttpResponse<String> r = f.send("GET", path, ApiFixture.VIEWER, null);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private static List<UUID> ids(JsonNode page) {
    List<UUID> ids = new ArrayList<>();
    page.get("items").forEach(i -> ids.add(UUID.fromString(i.get("id").asString())));
    return ids;
  }

  private void awaitStep(UUID id, String step, String status) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (JsonNode s : f.coordinator.find(id).orElseThrow().steps()) {
                if (s.get("step").asString().equals(step)
                    && s.get("status").asString().equals(status)) {
                  return true;
                }
              }
              return false;
            });
  }

  private long forward(UUID id, String step) {
    return f.participants.received(id).stream()
        .filter(c -> c.step().equals(step) && c.phase() == io.sagacoord.protocol.Phase.FORWARD)
        .count();
  }

  private long count(String table) {
    return JdbcClient.create(f.db.dataSource())
        .sql("SELECT count(*) FROM " + table)
        .query(Long.class)
        .single();
  }

  private void assertAudited(UUID id, String action, String outcome, String reason) {
    List<Map<String, Object>> rows =
        JdbcClient.create(f.db.dataSource())
            .sql(
                "SELECT actor, outcome, reason FROM saga_operator_audit"
                    + " WHERE saga_id = :id AND action = :action AND outcome = :outcome")
            .param("id", id)
            .param("action", action)
            .param("outcome", outcome)
            .query()
            .listOfRows();
    assertThat(rows)
        .as(
            action
                + " "
                + outcome
                + " in "
                + JdbcClient.create(f.db.dataSource())
                    .sql(
                        "SELECT action, outcome, detail FROM saga_operator_audit WHERE saga_id = :id")
                    .param("id", id)
                    .query()
                    .listOfRows())
        .isNotEmpty();
    assertThat(rows).anySatisfy(r -> assertThat(r.get("reason")).isEqualTo(reason));
    assertThat(rows).allSatisfy(r -> assertThat(r.get("actor")).isEqualTo("api-key:operator"));
  }

  private void assertInTimeline(UUID id, String logType, String auditAction) {
    JsonNode timeline = get("/api/sagas/" + id + "/log");
    boolean log = logType == null;
    boolean audit = false;
    for (JsonNode e : timeline.get("entries")) {
      log |= e.get("source").asString().equals("log") && e.get("type").asString().equals(logType);
      audit |=
          e.get("source").asString().equals("audit")
              && e.get("type").asString().equals(auditAction);
    }
    assertThat(log).as("log entry " + logType).isTrue();
    assertThat(audit).as("audit entry " + auditAction).isTrue();
  }
}
