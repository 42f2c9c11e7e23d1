package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.RawHttp;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Credentials and what they grant, beyond the authorization matrix of {@link
 * OperatorApiIntegrationTest}: the audit names the JWT subject, empty saga-type lists allow no
 * type, health shows details to readers only, and an unauthenticated caller cannot make the
 * coordinator hold a body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiSecurityIntegrationTest {

  private final JsonMapper json = JsonMapper.builder().build();
  private ApiFixture f;
  private UUID completed;

  @BeforeAll
  void start() {
    f = ApiFixture.get();
    completed = f.start(TestSagas.TRIP, TestData.ok());
    f.awaitStatus(completed, "COMPLETED");
  }

  @Test
  void theAuditNamesTheSubjectOfTheJwtThatActed() {
    String carol =
        "Bearer " + f.sign(ApiFixture.claims(List.of("OPERATOR")).subject("carol").build(), false);

    HttpResponse<String> r =
        f.send(
            "POST",
            "/api/sagas/" + completed + "/actions/resolve",
            carol,
            "{\"reason\":\"by carol\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(
            JdbcClient.create(f.db.dataSource())
                .sql("SELECT actor FROM saga_operator_audit WHERE reason = 'by carol'")
                .query(String.class)
                .list())
        .containsExactly("jwt:carol");
  }

  @Test
  void anEmptySagaTypeListAllowsNoTypeWhileAnAbsentOneAllowsEvery() {
    String jwtNoTypes =
        "Bearer "
            + f.sign(
                ApiFixture.claims(List.of("STARTER")).claim("saga_types", List.of()).build(),
                false);
    String jwtBlankTypes =
        "Bearer "
            + f.sign(ApiFixture.claims(List.of("STARTER")).claim("saga_types", "").build(), false);
    String jwtAllTypes = "Bearer " + f.sign(ApiFixture.claims(List.of("STARTER")).build(), false);
    String body = json.writeValueAsString(TestData.ok());
    long sagas = count("saga_instance");

    for (String caller : List.of(ApiFixture.NO_TYPE_STARTER, jwtNoTypes, jwtBlankTypes)) {
      for (String type : List.of(TestSagas.TRIP, TestSagas.DEADLINE)) {
        HttpResponse<String> r = f.send("POST", "/api/sagas/" + type, caller, body);
        assertThat(r.statusCode()).as(type + " " + r.body()).isEqualTo(403);
        assertThat(json.readTree(r.body()).get("title").asString())
            .isEqualTo("Saga type not allowed");
      }
    }
    assertThat(count("saga_instance")).isEqualTo(sagas);

    HttpResponse<String> all = f.send("POST", "/api/sagas/" + TestSagas.TRIP, jwtAllTypes, body);
    assertThat(all.statusCode()).as(all.body()).isEqualTo(201);
    assertThat(count("saga_instance")).isEqualTo(sagas + 1);
  }

  @Test
  void healthShowsTheStatusToEveryoneAndTheDetailsOnlyToReaders() {
    String viewerJwt = "Bearer " + f.sign(ApiFixture.claims(List.of("VIEWER")).build(), false);
    String otherKeyJwt = "Bearer " + f.sign(ApiFixture.claims(List.of("VIEWER")).build(), true);

    for (String caller :
        Arrays.asList(null, "stale-key", otherKeyJwt, "Bearer not-a-jwt", ApiFixture.STARTER)) {
      HttpResponse<String> r = f.send("GET", "/actuator/health", caller, null);
      assertThat(r.statusCode()).as(caller + " " + r.body()).isEqualTo(200);
      JsonNode health = json.readTree(r.body());
      assertThat(health.get("status").asString()).isEqualTo("UP");
      assertThat(health.has("components")).as(caller + " " + r.body()).isFalse();
      assertThat(r.body()).doesNotContain("PostgreSQL").doesNotContain("clusterId");
      HttpResponse<String> db = f.send("GET", "/actuator/health/db", caller, null);
      assertThat(db.body()).as(caller).doesNotContain("PostgreSQL");
    }
    for (String reader : List.of(ApiFixture.VIEWER, ApiFixture.OPERATOR, viewerJwt)) {
      HttpResponse<String> r = f.send("GET", "/actuator/health", reader, null);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode components = json.readTree(r.body()).get("components");
      assertThat(components).as(r.body()).isNotNull();
      assertThat(components.get("db").get("details").get("database").asString())
          .isEqualTo("PostgreSQL");
    }
  }

  @Test
  void anUnauthenticatedChunkedBodyIsRefusedWithoutWaitingForIt() throws Exception {
    long sagas = count("saga_instance");
    long handled = f.handled.get();
    String head =
        "POST /api/sagas/"
            + TestSagas.TRIP
            + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
            + "\r\nTransfer-Encoding: chunked\r\nIdempotency-Key: "
            + UUID.randomUUID();
    // one chunk and no last chunk: a coordinator that read the body first would wait forever
    byte[] firstChunk = "a\r\n{\"a\":\"xxx\r\n".getBytes(StandardCharsets.US_ASCII);

    RawHttp.Answer anonymous = RawHttp.send("127.0.0.1", f.sec.port(), head, firstChunk);
    RawHttp.Answer wrongKey =
        RawHttp.send("127.0.0.1", f.sec.port(), head + "\r\nX-API-Key: wrong", firstChunk);
    RawHttp.Answer viewer =
        RawHttp.send(
            "127.0.0.1", f.sec.port(), head + "\r\nX-API-Key: " + ApiFixture.VIEWER, firstChunk);

    assertThat(anonymous.status()).as(anonymous.head()).isEqualTo(401);
    assertThat(wrongKey.status()).as(wrongKey.head()).isEqualTo(401);
    assertThat(viewer.status()).as(viewer.head()).isEqualTo(403);
    assertThat(count("saga_instance")).isEqualTo(sagas);
    assertThat(f.handled.get()).isEqualTo(handled);
  }

  @Test
  void anAuthenticatedChunkedBodyAboveTheLimitIsRefusedWith413AndNothingIsWritten()
      throws Exception {
    long sagas = count("saga_instance");
    long handled = f.handled.get();
    int limit = 1024 * 1024;
    String head =
        "POST /api/sagas/"
            + TestSagas.TRIP
            + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
            + "\r\nTransfer-Encoding: chunked\r\nX-API-Key: "
            + ApiFixture.STARTER
            + "\r\nIdempotency-Key: "
            + UUID.randomUUID();
    // one byte above the limit, as one chunk and the last chunk
    byte[] data = new byte[limit + 1];
    Arrays.fill(data, (byte) 'x');
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    body.write(data);
    body.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    RawHttp.Answer r = RawHttp.send("127.0.0.1", f.sec.port(), head, body.toByteArray());

    assertThat(r.status()).as(r.head()).isEqualTo(413);
    assertThat(count("saga_instance")).isEqualTo(sagas);
    assertThat(f.handled.get()).isEqualTo(handled);
  }

  private long count(String table) {
    return JdbcClient.create(f.db.dataSource())
        .sql("SELECT count(*) FROM " + table)
        .query(Long.class)
        .single();
  }
}
