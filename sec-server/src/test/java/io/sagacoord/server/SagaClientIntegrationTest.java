package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.client.ActionResult;
import io.sagacoord.client.AwaitTimeoutException;
import io.sagacoord.client.BadRequestException;
import io.sagacoord.client.ConflictException;
import io.sagacoord.client.ForbiddenException;
import io.sagacoord.client.NotFoundException;
import io.sagacoord.client.Saga;
import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientException;
import io.sagacoord.client.SagaClientOptions;
import io.sagacoord.client.SagaPage;
import io.sagacoord.client.SagaQuery;
import io.sagacoord.client.SagaSummary;
import io.sagacoord.client.StartedSaga;
import io.sagacoord.client.UnauthorizedException;
import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** saga-client against a running coordinator, its long-poll for a saga's end included. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SagaClientIntegrationTest {

  private static final Duration END = Duration.ofSeconds(45);
  private final JsonMapper json = JsonMapper.builder().build();
  private ApiFixture f;
  private SagaClient admin;

  @BeforeAll
  void start() {
    f = ApiFixture.get();
    admin = client(ApiFixture.ADMIN);
  }

  private SagaClient client(String apiKey) {
    return SagaClient.create(SagaClientOptions.newBuilder(f.uri("/")).apiKey(apiKey).build());
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  @Test
  void startsASagaOnceAndAwaitsItsCompletion() {
    String key = key();
    StartedSaga started = client(ApiFixture.STARTER).start(TestSagas.TRIP, key, TestData.ok());
    StartedSaga again = client(ApiFixture.STARTER).start(TestSagas.TRIP, key, TestData.ok());

    assertThat(started.created()).isTrue();
    assertThat(again).isEqualTo(new StartedSaga(started.sagaId(), false));

    Saga done = client(ApiFixture.VIEWER).awaitEnd(started.sagaId(), END);

    assertThat(done.status()).isEqualTo("COMPLETED");
    assertThat(done.steps()).extracting(Saga.Step::status).containsOnly("SUCCEEDED");
    assertThat(admin.data(done, TestData.class).scenario()).isEqualTo("ok");
    assertThat(admin.get(started.sagaId())).isEqualTo(done);
  }

  @Test
  void awaitsTheEndOfASagaThatCompensates() {
    UUID id = admin.start(TestSagas.TRIP, key(), TestData.of("fail", "s2")).sagaId();

    Saga done = admin.awaitEnd(id, END);

    assertThat(done.status()).isEqualTo("COMPENSATED");
    assertThat(done.ended()).isTrue();
  }

  @Test
  void listsWithAFilterPageByPage() {
    UUID compensated = admin.start(TestSagas.TRIP, key(), TestData.of("fail", "s3")).sagaId();
    admin.awaitEnd(compensated, END);

    SagaQuery query =
        SagaQuery.all().withType(TestSagas.TRIP).withStatus("COMPENSATED").withLimit(1);
    List<SagaSummary> seen = new ArrayList<>();
    SagaPage page = admin.list(query);
    seen.addAll(page.items());
    while (page.hasNext()) {
      assertThat(page.items()).hasSize(1);
      page = admin.list(query.withCursor(page.nextCursor()));
      seen.addAll(page.items());
    }

    assertThat(seen).extracting(SagaSummary::status).containsOnly("COMPENSATED");
    assertThat(seen).extracting(SagaSummary::sagaType).containsOnly(TestSagas.TRIP);
    assertThat(seen).extracting(SagaSummary::id).contains(compensated).doesNotHaveDuplicates();
  }

  @Test
  void forcesCompensationOfAStuckSagaAndRefusesToResolveARunningOne() {
    UUID id = admin.start(TestSagas.TRIP, key(), TestData.of("silent", "s2")).sagaId();

    AwaitTimeoutException timeout =
        org.junit.jupiter.api.Assertions.assertThrows(
            AwaitTimeoutException.class, () -> admin.awaitEnd(id, Duration.ZERO));
    assertThat(timeout.lastSeen().id()).isEqualTo(id);
    assertThat(timeout.lastSeen().ended()).isFalse();

    assertThatThrownBy(() -> client(ApiFixture.OPERATOR).resolve(id, "fixed by hand"))
        .isInstanceOfSatisfying(
            ConflictException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.problem().status()).isEqualTo(409);
            });

    ActionResult result = client(ApiFixture.OPERATOR).forceCompensation(id, "customer cancelled");

    assertThat(result.sagaId()).isEqualTo(id);
    assertThat(result.action()).isEqualTo("force-compensation");
    assertThat(result.status()).isIn("COMPENSATING", "COMPENSATED");
  }

  @Test
  void surfacesEachFailureAsItsOwnExceptionWithTheProblemDetail() {
    UUID unknown = UUID.randomUUID();
    assertThatThrownBy(() -> admin.get(unknown))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.problem().title()).isEqualTo("Saga not found");
              assertThat(e.problem().detail()).contains(unknown.toString());
            });
    assertThatThrownBy(() -> admin.awaitEnd(unknown, END)).isInstanceOf(NotFoundException.class);

    String key = key();
    admin.start(TestSagas.TRIP, key, TestData.ok());
    assertThatThrownBy(() -> admin.start(TestSagas.TRIP, key, TestData.of("fail", "s1")))
        .isInstanceOf(ConflictException.class)
        .isInstanceOf(SagaClientException.class);

    UUID any = admin.start(TestSagas.TRIP, key(), TestData.ok()).sagaId();
    assertThatThrownBy(() -> admin.resolve(any, " "))
        .isInstanceOfSatisfying(
            BadRequestException.class, e -> assertThat(e.problem().detail()).contains("reason"));

    assertThatThrownBy(() -> client("not-a-key").get(any))
        .isInstanceOfSatisfying(
            UnauthorizedException.class, e -> assertThat(e.status()).isEqualTo(401));
    assertThatThrownBy(() -> client(ApiFixture.VIEWER).resolve(any, "no right to"))
        .isInstanceOfSatisfying(
            ForbiddenException.class, e -> assertThat(e.problem().status()).isEqualTo(403));
  }

  @Test
  void theEndResourceAnswersTheCurrentStateWhenTheWaitElapses() throws Exception {
    UUID id = admin.start(TestSagas.TRIP, key(), TestData.of("silent", "s1")).sagaId();

    HttpResponse<String> r =
        f.send("GET", "/api/sagas/" + id + "/end?wait=PT0.2S", ApiFixture.VIEWER, null);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    assertThat(body.path("id").asString()).isEqualTo(id.toString());
    assertThat(body.path("status").asString()).isEqualTo("RUNNING");
  }

  @Test
  void theEndResourceRejectsAWaitThatIsNoDuration() throws Exception {
    UUID id = admin.start(TestSagas.TRIP, key(), TestData.ok()).sagaId();

    for (String wait : List.of("soon", "-PT1S", "30")) {
      HttpResponse<String> r =
          f.send("GET", "/api/sagas/" + id + "/end?wait=" + wait, ApiFixture.VIEWER, null);

      assertThat(r.statusCode()).as(wait).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      assertThat(json.readTree(r.body()).path("detail").asString()).contains("wait");
    }
  }
}
