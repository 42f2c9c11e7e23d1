package io.sagacoord.bridge;

import static io.sagacoord.bridge.BridgeFixture.body;
import static io.sagacoord.bridge.BridgeFixture.header;
import static io.sagacoord.bridge.ScriptedService.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.bridge.BridgeFixture.Command;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bridge between a real Kafka broker, its own real Postgres database and an HTTP service. */
@SagaInfraTest
class BridgeIntegrationTests {
  private static final String RESERVE_BODY =
      "{\"location\":\"ZRH\",\"pickUp\":\"2027-03-01\",\"dropOff\":\"2027-03-04\","
          + "\"driver\":\"Ada\"}";

  private BridgeFixture fx;
  private ScriptedService service;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) {
    fx = new BridgeFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    if (service != null) {
      service.close();
    }
  }

  @Test
  void successPostsThePayloadWithTheSagaHeadersAndRepliesTheServiceBody() throws Exception {
    service = ScriptedService.start(call -> json(200, "{\"reservationId\":\"r-17\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));
    UUID saga = UUID.randomUUID();
    Instant deadline = Instant.now().plus(Duration.ofHours(1));

    fx.send(Command.reserve(saga, RESERVE_BODY).deadline(deadline));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(header(reply, SagaHeaders.PARTICIPANT)).isEqualTo("car-service");
    assertThat(body(reply)).isEqualTo("{\"reservationId\":\"r-17\"}");
    ScriptedService.Call call = service.calls().get(0);
    assertThat(call.path()).isEqualTo("/saga/car.reserve");
    assertThat(call.body()).contains("\"location\":\"ZRH\"", "\"driver\":\"Ada\"");
    assertThat(call.header("Content-Type")).isEqualTo("application/json");
    assertThat(call.header("Idempotency-Key")).isEqualTo(saga + ":reserve-car:forward");
    assertThat(call.header("Saga-Id")).isEqualTo(saga.toString());
    assertThat(call.header("Saga-Step")).isEqualTo("reserve-car");
    assertThat(call.header("Saga-Phase")).isEqualTo("forward");
    assertThat(call.header("Saga-Attempt")).isEqualTo("1");
    assertThat(call.header("Saga-Command-Type")).isEqualTo("car.reserve");
    assertThat(call.header("Saga-Deadline")).isEqualTo(Long.toString(deadline.toEpochMilli()));
  }

  @Test
  void aBusinessFailureStatusBecomesABusinessFailureWithTheServiceReason() throws Exception {
    service =
        ScriptedService.start(
            call -> json(422, "{\"reason\":\"no car left at ZRH\",\"code\":\"UNAVAILABLE\"}"));
    SagaBridge bridge = fx.start(fx.config(service.baseUrl(), http -> http));

    fx.send(Command.reserve(UUID.randomUUID(), RESERVE_BODY));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("BUSINESS_FAILURE");
    assertThat(body(reply)).contains("no car left at ZRH", "UNAVAILABLE");
    // a business failure is an answer: never called again
    assertThat(service.calls()).hasSize(1);
    assertThat(bridge.metrics().retries()).isZero();
  }

  @Test
  void aServiceDownAndThenUpWithinTheRetryBudgetEndsInSuccessUnderOneIdempotencyKey()
      throws Exception {
    int port = FreePorts.one();
    SagaBridge bridge =
        fx.start(
            fx.config(
                URI.create("http://127.0.0.1:" + port),
                http ->
                    new BridgeConfig.Http(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5),
                        http.maxBodyBytes(),
                        1000,
                        Duration.ofMillis(20),
                        Duration.ofMillis(100),
                        Duration.ofSeconds(2),
                        http.businessFailureStatuses())));
    UUID saga = UUID.randomUUID();

    fx.send(Command.reserve(saga, RESERVE_BODY));
    // nothing listens yet: the bridge's calls are refused
    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.metrics().failedCalls() >= 2);
    AtomicInteger answered = new AtomicInteger();
    service =
        ScriptedService.startOn(
            port,
            call ->
                answered.incrementAndGet() == 1
                    ? ScriptedService.unavailable("1")
                    : json(200, "{\"reservationId\":\"r-1\"}"));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(reply)).isEqualTo("{\"reservationId\":\"r-1\"}");
    assertThat(service.calls()).hasSize(2);
    assertThat(service.calls())
        .extracting(c -> c.header("Idempotency-Key"))
        .containsOnly(saga + ":reserve-car:forward");
    assertThat(bridge.metrics().retries()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aSagaWaitingOutARetryAfterHoldsNoThreadTheOnlyHandlerAnswersAnotherSagaMeanwhile()
      throws Exception {
    UUID waiting = UUID.randomUUID();
    AtomicBoolean busy = new AtomicBoolean(true);
    service =
        ScriptedService.start(
            call ->
                busy.get() && call.header("Saga-Id").equals(waiting.toString())
                    ? ScriptedService.unavailable("1")
                    : json(200, "{\"reservationId\":\"r-" + call.header("Saga-Id") + "\"}"));
    fx.start(
        fx.config(
            service.baseUrl(),
            http ->
                new BridgeConfig.Http(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(5),
                    http.maxBodyBytes(),
                    1000,
                    Duration.ofMillis(20),
                    Duration.ofMillis(100),
                    Duration.ofSeconds(2),
                    http.businessFailureStatuses())),
        builder -> builder.concurrency(1));

    fx.send(Command.reserve(waiting, RESERVE_BODY));
    // asked to come back later, and called again: the saga waits in the SDK's queue
    await().atMost(Duration.ofSeconds(60)).until(() -> callsOf(waiting) >= 2);
    UUID other = UUID.randomUUID();
    fx.send(Command.reserve(other, RESERVE_BODY));
    ConsumerRecord<String, byte[]> otherReply = fx.awaitRepliesOf(other, 1).get(0);
    long repliesWhileWaiting = fx.countRecords(fx.replyTopic);
    busy.set(false);
    ConsumerRecord<String, byte[]> waited = fx.awaitRepliesOf(waiting, 1).get(0);

    assertThat(header(otherReply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(repliesWhileWaiting).as("the waiting saga was not answered yet").isOne();
    assertThat(header(waited, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(waited)).isEqualTo("{\"reservationId\":\"r-" + waiting + "\"}");
    assertThat(service.calls())
        .filteredOn(c -> c.header("Saga-Id").equals(waiting.toString()))
        .extracting(c -> c.header("Idempotency-Key"))
        .containsOnly(waiting + ":reserve-car:forward");
  }

  private long callsOf(UUID saga) {
    return service.calls().stream()
        .filter(c -> saga.toString().equals(c.header("Saga-Id")))
        .count();
  }

  @Test
  void aTechnicalFailureAfterTheRetriesIsRunAgainOnTheNextAttemptUnderTheSameKey()
      throws Exception {
    AtomicInteger answered = new AtomicInteger();
    service =
        ScriptedService.start(
            call ->
                answered.incrementAndGet() <= 3
                    ? json(500, "{\"error\":\"database down\"}")
                    : json(200, "{\"reservationId\":\"r-2\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));
    UUID saga = UUID.randomUUID();
    Command first = Command.reserve(saga, RESERVE_BODY);

    fx.send(first);
    ConsumerRecord<String, byte[]> failed = fx.awaitReplies(1).get(0);
    assertThat(header(failed, SagaHeaders.OUTCOME)).isEqualTo("TECHNICAL_FAILURE");
    assertThat(body(failed)).contains("HTTP 500", "database down", "3 calls");
    fx.send(first.attempt(2));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(2).get(1);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(service.calls()).hasSize(4);
    assertThat(service.calls())
        .extracting(c -> c.header("Idempotency-Key"))
        .containsOnly(saga + ":reserve-car:forward");
    assertThat(service.calls())
        .extracting(c -> c.header("Saga-Attempt"))
        .containsExactly("1", "1", "1", "2");
  }

  @Test
  void theSameCommandDeliveredThreeTimesCallsTheServiceOnce() throws Exception {
    AtomicInteger reservations = new AtomicInteger();
    service =
        ScriptedService.start(
            call -> json(200, "{\"reservationId\":\"r-" + reservations.incrementAndGet() + "\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));
    Command command = Command.reserve(UUID.randomUUID(), RESERVE_BODY);

    fx.send(command);
    fx.send(command);
    fx.send(command);

    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(3);
    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(replies).extracting(BridgeFixture::body).containsOnly("{\"reservationId\":\"r-1\"}");
    assertThat(service.calls()).hasSize(1);
  }

  @Test
  void aStaleAttemptIsRefusedWithoutCallingTheService() throws Exception {
    service = ScriptedService.start(call -> json(200, "{\"reservationId\":\"r-1\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));
    Command command = Command.reserve(UUID.randomUUID(), RESERVE_BODY);

    fx.send(command.attempt(2));
    fx.awaitReplies(1);
    fx.send(command);

    ConsumerRecord<String, byte[]> stale = fx.awaitReplies(2).get(1);
    assertThat(header(stale, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(stale)).contains("STALE_ATTEMPT");
    assertThat(service.calls()).hasSize(1);
    assertThat(service.calls().get(0).header("Saga-Attempt")).isEqualTo("2");
  }

  @Test
  void aCompensationBeforeItsForwardIsAnsweredAndFencedWithoutCallingTheService() throws Exception {
    service = ScriptedService.start(call -> json(200, "{\"reservationId\":\"r-1\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));
    UUID saga = UUID.randomUUID();

    fx.send(Command.cancel(saga, "{\"reservationId\":\"r-1\"}"));
    ConsumerRecord<String, byte[]> compensated = fx.awaitReplies(1).get(0);
    fx.send(Command.reserve(saga, RESERVE_BODY));

    ConsumerRecord<String, byte[]> late = fx.awaitReplies(2).get(1);
    assertThat(header(compensated, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(compensated)).isEqualTo("{}");
    assertThat(header(late, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(late)).contains("FENCED");
    assertThat(service.calls()).isEmpty();
  }

  @Test
  void aCommandPastItsDeadlineIsRefusedWithoutCallingTheService() throws Exception {
    service = ScriptedService.start(call -> json(200, "{\"reservationId\":\"r-1\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http));

    fx.send(
        Command.reserve(UUID.randomUUID(), RESERVE_BODY)
            .deadline(Instant.now().minus(Duration.ofMinutes(1))));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(reply)).contains("DEADLINE_PASSED");
    assertThat(service.calls()).isEmpty();
  }

  @Test
  void badAnswersEndAsTechnicalFailuresWithAReasonAndTheBridgeKeepsWorking() throws Exception {
    service = ScriptedService.start(call -> json(200, "{}"));
    service.behave(
        call -> {
          String body = call.body();
          if (body.contains("html")) {
            return ScriptedService.text(
                200, "text/html", "<html><body>Welcome to nginx</body></html>");
          }
          if (body.contains("garbled")) {
            return json(200, "{\"reservationId\": r-1");
          }
          if (body.contains("hang")) {
            return service.hanging();
          }
          if (body.contains("huge")) {
            return ScriptedService.huge(10 * 1024 * 1024);
          }
          return json(200, "{\"reservationId\":\"r-ok\"}");
        });
    SagaBridge bridge =
        fx.start(
            fx.config(
                service.baseUrl(),
                http ->
                    new BridgeConfig.Http(
                        http.connectTimeout(),
                        Duration.ofMillis(500),
                        http.maxBodyBytes(),
                        1,
                        http.initialBackoff(),
                        http.maxBackoff(),
                        http.maxRetryAfter(),
                        http.businessFailureStatuses())));
    UUID html = UUID.randomUUID();
    UUID garbled = UUID.randomUUID();
    UUID hang = UUID.randomUUID();
    UUID huge = UUID.randomUUID();
    UUID fine = UUID.randomUUID();

    fx.send(Command.reserve(html, "{\"mode\":\"html\"}"));
    fx.send(Command.reserve(garbled, "{\"mode\":\"garbled\"}"));
    fx.send(Command.reserve(hang, "{\"mode\":\"hang\"}"));
    fx.send(Command.reserve(huge, "{\"mode\":\"huge\"}"));
    fx.send(Command.reserve(fine, RESERVE_BODY));

    assertTechnicalFailure(html, "Content-Type text/html instead of application/json", "nginx");
    assertTechnicalFailure(garbled, "body that is not JSON");
    assertTechnicalFailure(hang, "no complete answer within PT0.5S");
    assertTechnicalFailure(huge, "larger than 1048576 bytes");
    ConsumerRecord<String, byte[]> ok = fx.awaitRepliesOf(fine, 1).get(0);
    assertThat(header(ok, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(bridge.isRunning()).isTrue();
  }

  private void assertTechnicalFailure(UUID saga, String... reasons) {
    ConsumerRecord<String, byte[]> reply = fx.awaitRepliesOf(saga, 1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("TECHNICAL_FAILURE");
    assertThat(body(reply)).contains(reasons);
  }
}
