package io.sagacoord.bridge;

import static io.sagacoord.bridge.BridgeFixture.body;
import static io.sagacoord.bridge.BridgeFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.bridge.BridgeFixture.Command;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The example's car service in JavaScript (examples/travel-booking/car-service-js), run by the
 * machine's Node.js as a child process, booking and cancelling through the bridge.
 */
@SagaInfraTest
class CarServiceJsIntegrationTests {
  private static final Path SCRIPT =
      Path.of("..", "examples", "travel-booking", "car-service-js", "car-service.js");
  private static final String ADA =
      "{\"location\":\"ZRH\",\"pickUp\":\"2027-03-01\",\"dropOff\":\"2027-03-04\","
          + "\"driver\":\"Ada\"}";
  private static final String BOB =
      "{\"location\":\"ZRH\",\"pickUp\":\"2027-03-03\",\"dropOff\":\"2027-03-05\","
          + "\"driver\":\"Bob\"}";

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private BridgeFixture fx;
  private Process node;
  private URI baseUrl;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db, @TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        nodeAvailable(), "node is not on the PATH: the JavaScript car service is not tested");
    Assumptions.assumeTrue(Files.exists(SCRIPT), "car-service.js not found at " + SCRIPT);
    fx = new BridgeFixture(kafka, db);
    int port = FreePorts.one();
    baseUrl = URI.create("http://127.0.0.1:" + port);
    ProcessBuilder builder =
        new ProcessBuilder("node", SCRIPT.toAbsolutePath().normalize().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("car-service.log").toFile());
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().put("DATA_FILE", dir.resolve("cars.json").toString());
    builder.environment().put("CARS_PER_DAY", "1");
    node = builder.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get("/health").statusCode() == 200);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.close();
    }
    if (node != null) {
      node.destroy();
      if (!node.waitFor(10, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void bookingRefusingAndCancellingThroughTheBridgeLeaveOneEffectPerStep() throws Exception {
    fx.start(fx.config(baseUrl, settings -> settings));
    UUID ada = UUID.randomUUID();
    UUID bob = UUID.randomUUID();
    Command reserve = Command.reserve(ada, ADA);

    fx.send(reserve);
    fx.send(reserve);
    fx.send(reserve);
    List<ConsumerRecord<String, byte[]>> reserved = fx.awaitRepliesOf(ada, 3);
    fx.send(Command.reserve(bob, BOB));
    ConsumerRecord<String, byte[]> refused = fx.awaitRepliesOf(bob, 1).get(0);
    String reservationId = json.readTree(body(reserved.get(0))).get("reservationId").asString();
    fx.send(Command.cancel(ada, "{\"reservationId\":\"" + reservationId + "\"}"));
    ConsumerRecord<String, byte[]> cancelled = fx.awaitRepliesOf(ada, 4).get(3);

    assertThat(reserved).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(reserved).extracting(BridgeFixture::body).containsOnly(body(reserved.get(0)));
    assertThat(header(refused, SagaHeaders.OUTCOME)).isEqualTo("BUSINESS_FAILURE");
    assertThat(body(refused)).contains("no car left at ZRH", "UNAVAILABLE");
    assertThat(header(cancelled, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(cancelled)).isEqualTo("{\"cancelled\":true}");
    JsonNode reservations = json.readTree(get("/reservations").body());
    assertThat(reservations.size()).isEqualTo(1);
    assertThat(reservations.get(0).get("id").asString()).isEqualTo(reservationId);
    assertThat(reservations.get(0).get("sagaId").asString()).isEqualTo(ada.toString());
    assertThat(reservations.get(0).get("status").asString()).isEqualTo("CANCELLED");
  }

  @Test
  void aCallRepeatedWithTheSameIdempotencyKeyGetsTheFirstAnswerAndHasOneEffect() throws Exception {
    UUID saga = UUID.randomUUID();
    // what the bridge sends again after a crash between its call and its commit
    HttpResponse<String> first = reserve(saga, saga + ":reserve-car:forward");
    HttpResponse<String> again = reserve(saga, saga + ":reserve-car:forward");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(json.readTree(get("/reservations").body()).size()).isEqualTo(1);
  }

  private HttpResponse<String> reserve(UUID saga, String key)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(baseUrl.resolve("/saga/car.reserve"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .header("Saga-Id", saga.toString())
            .POST(HttpRequest.BodyPublishers.ofString(ADA))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(baseUrl.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean nodeAvailable() {
    try {
      Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
