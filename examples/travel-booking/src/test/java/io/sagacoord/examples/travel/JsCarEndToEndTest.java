package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.bridge.BridgeConfig;
import io.sagacoord.examples.travel.car.JsCarService;
import io.sagacoord.examples.travel.demo.DemoInventory;
import io.sagacoord.examples.travel.demo.TravelSystem;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.PostgresInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Trip sagas whose car step is served by the car service in JavaScript ({@code
 * car-service-js/car-service.js} on the machine's Node.js) behind the saga bridge, with the
 * coordinator, the Java flight and hotel services and the trip API on a real PostgreSQL and a real
 * Kafka broker. Skipped, with a message, when {@code node} is not on the PATH.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsCarEndToEndTest {
  private static final Set<String> TERMINAL =
      Set.of("COMPLETED", "COMPENSATED", "FAILED", "PARKED");

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<TestDatabase> databases = new ArrayList<>();
  private final LocalDate in = LocalDate.now(ZoneOffset.UTC).plusDays(30);
  private final LocalDate out = in.plusDays(3);
  private TravelSystem system;
  private TestDatabase coordinatorDb;

  @BeforeAll
  void startSystem(@TempDir Path dir) {
    Assumptions.assumeTrue(
        nodeAvailable(),
        "node (Node.js) is not on the PATH: the car service in JavaScript cannot run, so the trips"
            + " through the saga bridge are not tested");
    PostgresInfra postgres = SagaInfra.postgres();
    KafkaInfra kafka = SagaInfra.kafka();
    coordinatorDb = database(postgres, "coordinator");
    // a few quick calls per attempt, all within the car step's 5 s timeout
    BridgeConfig.Http calls =
        new BridgeConfig.Http(
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            1024 * 1024,
            6,
            Duration.ofMillis(200),
            Duration.ofMillis(800),
            Duration.ofSeconds(2),
            Set.of(409, 422));
    system =
        TravelSystem.start(
            new TravelSystem.Config(
                kafka.bootstrapServers(),
                coordinates(coordinatorDb),
                coordinates(database(postgres, "flights")),
                coordinates(database(postgres, "hotels")),
                coordinates(database(postgres, "carbridge")),
                coordinates(database(postgres, "trips")),
                0,
                0,
                null,
                Map.of(),
                null),
            new JsCarService.Settings(
                "node",
                JsCarService.Settings.defaultScript(),
                dir.resolve("cars.json"),
                5,
                Map.of("js-none", 0),
                calls));
  }

  @AfterAll
  void stopSystem() {
    if (system != null) {
      system.close();
    }
    databases.forEach(TestDatabase::close);
  }

  @Test
  void aTripWithTheJavaScriptCarCompletesAndTheServiceHoldsItsReservation() throws Exception {
    DemoInventory.flight(system.flightDb(), "JSOK1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "js-hotel-1", in, out, 5);

    UUID trip = book("js-ok-1", trip("Ada", "JSOK1", "js-hotel-1", "js-airport", 1000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPLETED");
    String carReservation = shown.path("reservations").path("car").asString();
    JsonNode held = serviceReservation(trip);
    assertThat(held).as("the JavaScript service's reservation of saga " + trip).isNotNull();
    assertThat(held.path("id").asString()).isEqualTo(carReservation);
    assertThat(held.path("status").asString()).isEqualTo("RESERVED");
    assertThat(held.path("location").asString()).isEqualTo("js-airport");
  }

  @Test
  void aTripIsCompensatedWhenTheJavaScriptServiceAnswersABusinessFailure() throws Exception {
    DemoInventory.flight(system.flightDb(), "JSNO1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "js-hotel-2", in, out, 5);

    UUID trip = book("js-none-1", trip("Linus", "JSNO1", "js-hotel-2", "js-none", 1000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPENSATED");
    assertThat(shown.path("failureReason").asString()).contains("car: no car left at js-none");
    assertThat(serviceReservation(trip)).isNull();
    assertThat(
            count(
                system.flightDb(),
                "SELECT count(*) FROM flight_reservation WHERE saga_id = ? AND status = 'CANCELLED'",
                trip))
        .isEqualTo(1);
  }

  @Test
  void aCarReservedThroughTheBridgeIsCancelledThroughItWhenThePaymentIsDeclined() throws Exception {
    DemoInventory.flight(system.flightDb(), "JSPAY1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "js-hotel-3", in, out, 5);

    UUID trip = book("js-pay-1", trip("Edsger", "JSPAY1", "js-hotel-3", "js-airport", 5_000_000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPENSATED");
    assertThat(shown.path("failureReason").asString()).contains("payment");
    assertThat(serviceReservation(trip).path("status").asString()).isEqualTo("CANCELLED");
  }

  @Test
  void aTripWaitsOutTheJavaScriptServiceBeingDownAndCompletesWithinTheRetryBudget()
      throws Exception {
    DemoInventory.flight(system.flightDb(), "JSDOWN1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "js-hotel-4", in, out, 5);
    JsCarService cars = system.jsCars();
    long technicalFailuresBefore = cars.bridge().participant().metrics().technicalFailures();
    cars.stopService();
    UUID trip;
    try {
      trip = book("js-down-1", trip("Grace", "JSDOWN1", "js-hotel-4", "js-airport", 1000));
      // every call of the first attempt finds the service down: the bridge answers a technical
      // failure, and the coordinator retries the step by its policy
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  cars.bridge().participant().metrics().technicalFailures()
                      > technicalFailuresBefore);
    } finally {
      cars.startService();
    }
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPLETED");
    assertThat(serviceReservation(trip).path("status").asString()).isEqualTo("RESERVED");
    assertThat(
            count(
                coordinatorDb.dataSource(),
                "SELECT max(attempt) FROM saga_log_entry WHERE saga_id = ? AND step = 'reserve-car'",
                trip))
        .as("the car step needed more than one attempt")
        .isGreaterThan(1);
  }

  /** The JavaScript service's reservation for the saga, from its own data, or null. */
  private JsonNode serviceReservation(UUID saga) throws IOException, InterruptedException {
    URI uri = system.jsCars().baseUrl().resolve("/reservations");
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode found = null;
    for (JsonNode reservation : json.readTree(response.body())) {
      if (reservation.path("sagaId").asString().equals(saga.toString())) {
        assertThat(found).as("one reservation per saga").isNull();
        found = reservation;
      }
    }
    return found;
  }

  private Map<String, Object> trip(
      String customer, String flight, String hotel, String carLocation, long priceCents) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("customer", customer);
    body.put("flight", Map.of("flightId", flight, "passenger", customer));
    body.put(
        "hotel", Map.of("hotelId", hotel, "checkIn", in.toString(), "checkOut", out.toString()));
    body.put(
        "car", Map.of("location", carLocation, "pickUp", in.toString(), "dropOff", out.toString()));
    body.put("priceCents", priceCents);
    return body;
  }

  private UUID book(String key, Map<String, Object> body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(system.tripApiUri().resolve("/trips"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return UUID.fromString(json.readTree(response.body()).path("tripId").asString());
  }

  private JsonNode awaitEnd(UUID trip) {
    URI uri = system.tripApiUri().resolve("/trips/" + trip);
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              HttpResponse<String> response =
                  http.send(
                      HttpRequest.newBuilder(uri).GET().build(),
                      HttpResponse.BodyHandlers.ofString());
              last[0] = json.readTree(response.body());
              return TERMINAL.contains(last[0].path("status").asString());
            });
    return last[0];
  }

  private static int count(javax.sql.DataSource dataSource, String sql, UUID saga)
      throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setObject(1, saga);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private TestDatabase database(PostgresInfra postgres, String prefix) {
    TestDatabase database = postgres.newDatabase(prefix);
    databases.add(database);
    return database;
  }

  private static TravelSystem.Database coordinates(TestDatabase database) {
    return new TravelSystem.Database(database.jdbcUrl(), database.username(), database.password());
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
