package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientOptions;
import io.sagacoord.examples.travel.common.Misbehaviour;
import io.sagacoord.examples.travel.demo.DemoInventory;
import io.sagacoord.examples.travel.demo.TravelSystem;
import io.sagacoord.examples.travel.trip.TripApi;
import io.sagacoord.examples.travel.trip.TripSaga;
import io.sagacoord.protocol.SagaIds;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.MovableClock;
import io.sagacoord.testkit.PostgresInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The travel-booking system end to end on a real PostgreSQL and a real Kafka broker: the
 * coordinator, the four services and the trip API in this JVM, trips booked over HTTP. Each test
 * uses its own flights, hotels and car locations so that the tests do not see each other's
 * inventory. The coordinator and the Java services run on a {@link MovableClock}: a test that needs
 * a step timeout to pass moves it instead of waiting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TravelBookingEndToEndTest {

  private static final Set<String> TERMINAL =
      Set.of("COMPLETED", "COMPENSATED", "FAILED", "PARKED");
  // how long a silent hotel takes on the clock: far longer than the hotel step's 3-s timeout,
  // and with it well short of the trip's 2-min deadline
  private static final Duration HOTEL_SILENCE = Duration.ofSeconds(60);

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<TestDatabase> databases = new ArrayList<>();
  private final LocalDate in = LocalDate.now(ZoneOffset.UTC).plusDays(30);
  private final LocalDate out = in.plusDays(3);
  private final String adminKey = TravelSystem.randomKey();
  private TravelSystem system;
  private TestDatabase coordinatorDb;
  private MovableClock clock;

  @BeforeAll
  void startSystem() {
    clock = MovableClock.create();
    PostgresInfra postgres = SagaInfra.postgres();
    KafkaInfra kafka = SagaInfra.kafka();
    coordinatorDb = database(postgres, "coordinator");
    system =
        TravelSystem.start(
            new TravelSystem.Config(
                kafka.bootstrapServers(),
                coordinates(coordinatorDb),
                coordinates(database(postgres, "flights")),
                coordinates(database(postgres, "hotels")),
                coordinates(database(postgres, "cars")),
                coordinates(database(postgres, "trips")),
                0,
                0,
                adminKey,
                Map.of(),
                null),
            null,
            clock);
  }

  @AfterAll
  void stopSystem() {
    if (system != null) {
      system.close();
    }
    databases.forEach(TestDatabase::close);
    clock.close();
  }

  @Test
  void bookingWithFlightHotelAndCarCompletesAndItsLogShowsEveryStep() throws Exception {
    DemoInventory.flight(system.flightDb(), "HAPPY1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "happy-hotel", in, out, 5);
    DemoInventory.cars(system.carDb(), "happy-cars", in, out, 5);

    UUID trip = book("happy-1", trip("Ada", "HAPPY1", "happy-hotel", "happy-cars", 1000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPLETED");
    assertThat(shown.path("reservations").path("flight").asString()).isNotBlank();
    assertThat(shown.path("reservations").path("hotel").asString()).isNotBlank();
    assertThat(shown.path("reservations").path("car").asString()).isNotBlank();
    assertThat(shown.path("itineraryId").asString()).isNotBlank();
    List<String> stepsLogged = loggedSteps(trip);
    assertThat(stepsLogged)
        .contains(
            "reserve-flight", "reserve-hotel", "reserve-car", "charge-payment", "issue-itinerary");
    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "HAPPY1"))
        .isEqualTo(9);
  }

  @Test
  void carUnavailableCancelsHotelAndFlightAndRestoresInventory() throws Exception {
    DemoInventory.flight(system.flightDb(), "NOCAR1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "nocar-hotel", in, out, 5);
    DemoInventory.cars(system.carDb(), "nocar-cars", in, out, 0);

    UUID trip = book("nocar-1", trip("Linus", "NOCAR1", "nocar-hotel", "nocar-cars", 1000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPENSATED");
    assertThat(shown.path("failureReason").asString()).contains("car");
    assertThat(reservationStatus(system.flightDb(), "flight_reservation", trip))
        .isEqualTo("CANCELLED");
    // the hotel ran in parallel with the car: it was reserved and then cancelled, or never made
    assertThat(reservationStatus(system.hotelDb(), "hotel_reservation", trip))
        .isIn("CANCELLED", null);
    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "NOCAR1"))
        .isEqualTo(10);
    assertThat(
            available(
                system.hotelDb(),
                "SELECT min(rooms_available) FROM hotel_night WHERE hotel_id = ?",
                "nocar-hotel"))
        .isEqualTo(5);
  }

  @Test
  void hotelThatDoesNotAnswerTimesOutAndFlightAndHotelAreCancelled() throws Exception {
    DemoInventory.flight(system.flightDb(), "SILENT1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "quiet-hotel", in, out, 5);
    system
        .hotels()
        .misbehave(Misbehaviour.NONE.withSilentKeys(Set.of("quiet-hotel"), HOTEL_SILENCE));
    try {
      UUID trip = book("silent-1", trip("Barbara", "SILENT1", "quiet-hotel", null, 1000));
      // the clock passes the hotel step's timeout while the hotel is silent
      await().atMost(Duration.ofSeconds(60)).until(() -> passForwardTimeout(trip, "reserve-hotel"));
      // the saga compensates; the hotel answers late, once the clock has passed its silence too
      clock.advance(HOTEL_SILENCE);
      JsonNode shown = awaitEnd(trip);

      assertThat(shown.path("status").asString()).isEqualTo("COMPENSATED");
      assertThat(loggedTypes(trip)).anyMatch(type -> type.contains("TIMED_OUT"));
      assertThat(reservationStatus(system.flightDb(), "flight_reservation", trip))
          .isEqualTo("CANCELLED");
      // the hotel answers late: its reservation must end cancelled once the late work is done
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(
                          available(
                              system.hotelDb(),
                              "SELECT min(rooms_available) FROM hotel_night WHERE hotel_id = ?",
                              "quiet-hotel"))
                      .isEqualTo(5));
      assertThat(reservationStatus(system.hotelDb(), "hotel_reservation", trip))
          .isIn("CANCELLED", null);
    } finally {
      system.hotels().misbehave(Misbehaviour.NONE);
    }
  }

  @Test
  void twoHundredConcurrentBookingsNeverOversellAndTripsHoldWhatTheirSagaSays() throws Exception {
    DemoInventory.flight(system.flightDb(), "RUSH1", in, 120);
    DemoInventory.hotel(system.hotelDb(), "rush-hotel", in, out, 80);
    DemoInventory.cars(system.carDb(), "rush-cars", in, out, 50);

    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<UUID>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = i;
      futures.add(
          pool.submit(
              () ->
                  book(
                      "rush-" + n,
                      trip("c" + n, "RUSH1", "rush-hotel", n % 2 == 0 ? "rush-cars" : null, 100))));
    }
    List<UUID> trips = new ArrayList<>();
    for (Future<UUID> future : futures) {
      trips.add(future.get());
    }
    pool.shutdown();

    Map<UUID, JsonNode> ended = new HashMap<>();
    for (UUID trip : trips) {
      ended.put(trip, awaitEnd(trip));
    }

    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "RUSH1"))
        .isGreaterThanOrEqualTo(0);
    Map<UUID, String> flights = reservations(system.flightDb(), "flight_reservation");
    Map<UUID, String> hotels = reservations(system.hotelDb(), "hotel_reservation");
    Map<UUID, String> cars = reservations(system.carDb(), "car_reservation");
    long completed = 0;
    for (UUID trip : trips) {
      JsonNode shown = ended.get(trip);
      String status = shown.path("status").asString();
      assertThat(status).as("trip %s", trip).isIn("COMPLETED", "COMPENSATED");
      if (status.equals("COMPLETED")) {
        completed++;
        assertThat(flights.get(trip)).as("flight of %s", trip).isEqualTo("RESERVED");
        assertThat(hotels.get(trip)).as("hotel of %s", trip).isEqualTo("RESERVED");
        JsonNode car = shown.path("reservations").path("car");
        assertThat(cars.get(trip))
            .as("car of %s", trip)
            .isEqualTo(car.isNull() || car.isMissingNode() ? null : "RESERVED");
      } else {
        assertThat(flights.get(trip)).as("flight of %s", trip).isIn("CANCELLED", null);
        assertThat(hotels.get(trip)).as("hotel of %s", trip).isIn("CANCELLED", null);
        assertThat(cars.get(trip)).as("car of %s", trip).isIn("CANCELLED", null);
      }
    }
    // inventory counts match the reservations that hold it: nothing oversold, nothing leaked
    long flightsHeld = flights.values().stream().filter("RESERVED"::equals).count();
    long hotelsHeld = hotels.values().stream().filter("RESERVED"::equals).count();
    long carsHeld = cars.values().stream().filter("RESERVED"::equals).count();
    assertThat(flightsHeld).isEqualTo(completed).isLessThanOrEqualTo(120);
    assertThat(hotelsHeld).isEqualTo(completed).isLessThanOrEqualTo(80);
    assertThat(carsHeld).isLessThanOrEqualTo(50);
    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "RUSH1"))
        .isEqualTo(120 - flightsHeld);
    assertThat(
            available(
                system.hotelDb(),
                "SELECT max(rooms_available) FROM hotel_night WHERE hotel_id = ?",
                "rush-hotel"))
        .isEqualTo(80 - hotelsHeld);
    assertThat(
            available(
                system.carDb(),
                "SELECT max(cars_available) FROM car_day WHERE location = ?",
                "rush-cars"))
        .isEqualTo(50 - carsHeld);
    // the inventory is small enough that some bookings must have been refused
    assertThat(completed).isLessThan(200).isGreaterThan(0);
  }

  @Test
  void declinedCardAtThePivotCompensatesWithThePaymentReason() throws Exception {
    DemoInventory.flight(system.flightDb(), "DECLINE1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "decline-hotel", in, out, 5);

    UUID trip = book("decline-1", trip("Edsger", "DECLINE1", "decline-hotel", null, 5_000_000));
    JsonNode shown = awaitEnd(trip);

    assertThat(shown.path("status").asString()).isEqualTo("COMPENSATED");
    assertThat(shown.path("failureReason").asString()).startsWith("payment: card");
    assertThat(shown.path("paymentId").isNull()).isTrue();
    assertThat(reservationStatus(system.flightDb(), "flight_reservation", trip))
        .isEqualTo("CANCELLED");
    assertThat(reservationStatus(system.hotelDb(), "hotel_reservation", trip))
        .isEqualTo("CANCELLED");
  }

  @Test
  void repeatedBookingWithTheSameKeyReturnsTheSameTrip() throws Exception {
    DemoInventory.flight(system.flightDb(), "AGAIN1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "again-hotel", in, out, 5);
    Map<String, Object> body = trip("Grace", "AGAIN1", "again-hotel", null, 1000);

    HttpResponse<String> first = post("again-1", body);
    HttpResponse<String> second = post("again-1", body);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(json.readTree(second.body()).path("tripId").asString())
        .isEqualTo(json.readTree(first.body()).path("tripId").asString());
    awaitEnd(UUID.fromString(json.readTree(first.body()).path("tripId").asString()));
    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "AGAIN1"))
        .isEqualTo(9);
  }

  @Test
  void malformedTripRequestIsAProblemDetailAndStartsNothing() throws Exception {
    HttpResponse<String> noKey =
        http.send(
            HttpRequest.newBuilder(system.tripApiUri().resolve("/trips"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> badJson =
        http.send(
            HttpRequest.newBuilder(system.tripApiUri().resolve("/trips"))
                .header("Idempotency-Key", "bad-1")
                .POST(HttpRequest.BodyPublishers.ofString("{not json"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> badId =
        http.send(
            HttpRequest.newBuilder(system.tripApiUri().resolve("/trips/not-a-uuid")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> badWait =
        http.send(
            HttpRequest.newBuilder(
                    system.tripApiUri().resolve("/trips/" + UUID.randomUUID() + "?wait=forever"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    Map<String, Object> badDate = trip("Ada", "BAD1", "bad-hotel", null, 1000);
    badDate.put(
        "hotel", Map.of("hotelId", "bad-hotel", "checkIn", "soon", "checkOut", out.toString()));
    HttpResponse<String> wrongForm = post("bad-2", badDate);
    HttpResponse<String> nullBody =
        http.send(
            HttpRequest.newBuilder(system.tripApiUri().resolve("/trips"))
                .header("Idempotency-Key", "bad-3")
                .POST(HttpRequest.BodyPublishers.ofString("null"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    for (HttpResponse<String> response :
        List.of(noKey, badJson, badId, badWait, wrongForm, nullBody)) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("application/problem+json");
      assertThat(json.readTree(response.body()).path("status").asInt()).isEqualTo(400);
    }
    assertThat(json.readTree(badJson.body()).path("detail").asString())
        .startsWith("the body is not a JSON trip request (line 1, column ");
    assertThat(json.readTree(wrongForm.body()).path("detail").asString())
        .startsWith("'hotel.checkIn' does not have the expected form");
    for (String key : List.of("bad-1", "bad-2", "bad-3")) {
      assertThat(sagaRows(SagaIds.ofStart(TripSaga.TYPE, "trip:" + key))).isZero();
    }
  }

  @Test
  void coordinatorAndTripApiListenOnTheLoopbackOnlyByDefault() throws Exception {
    int coordinatorPort = system.coordinatorUri().getPort();
    int tripPort = system.tripApiUri().getPort();
    assertThat(system.coordinatorUri().getHost()).isEqualTo("127.0.0.1");
    assertThat(system.tripApiUri().getHost()).isEqualTo("127.0.0.1");
    assertThat(connects(InetAddress.getLoopbackAddress(), coordinatorPort)).isTrue();
    assertThat(connects(InetAddress.getLoopbackAddress(), tripPort)).isTrue();

    InetAddress outward = nonLoopbackAddress();
    assumeTrue(outward != null, "this machine has no non-loopback address to try");
    assertThat(connects(outward, coordinatorPort)).as("coordinator on %s", outward).isFalse();
    assertThat(connects(outward, tripPort)).as("trip API on %s", outward).isFalse();
  }

  @Test
  void tripWithoutFlightOrHotelIsAProblemListingWhatIsMissingAndReachesNoCoordinator()
      throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("customer", "Kurt");
    body.put("priceCents", 1000);

    HttpResponse<String> response = post("incomplete-1", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.path("title").asString()).isEqualTo("Invalid trip request");
    assertThat(problem.path("errors").values().stream().map(JsonNode::asString))
        .containsExactly("flight is required", "hotel is required");
    assertThat(sagaRows(SagaIds.ofStart(TripSaga.TYPE, "trip:incomplete-1"))).isZero();
    assertThat(tripRows("incomplete-1")).isZero();
  }

  @Test
  void startWithoutFlightSentStraightToTheCoordinatorIsRefusedAndWritesNothing() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(system.coordinatorUri().resolve("/api/sagas/" + TripSaga.TYPE))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "direct-incomplete-1")
                .header("X-API-Key", adminKey)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"customer\":\"Kurt\",\"priceCents\":1000,\"hotel\":{\"hotelId\":\"h\","
                            + "\"checkIn\":\"2030-01-01\",\"checkOut\":\"2030-01-02\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.body()).contains("flight is required").doesNotContain("hotel is required");
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.path("type").asString())
        .isEqualTo("https://sagacoord.io/problems/start-data-rejected");
    assertThat(problem.path("violations").values().stream().map(JsonNode::asString))
        .containsExactly("flight is required");
    assertThat(sagaRows(SagaIds.ofStart(TripSaga.TYPE, "direct-incomplete-1"))).isZero();
  }

  @Test
  void theServicesBuiltOnTheSdkAreLiveInTheCoordinatorsRegistry() throws Exception {
    List<String> services = List.of("flight-service", "hotel-service", "car-service");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> liveParticipants().keySet().containsAll(services));

    for (String service : services) {
      JsonNode participant = liveParticipants().get(service);
      assertThat(participant.path("liveInstances").asInt()).as(service).isPositive();
      assertThat(participant.path("instances").values())
          .as(service)
          .anySatisfy(
              i -> {
                assertThat(i.path("liveness").asString()).isEqualTo("LIVE");
                assertThat(i.path("heartbeatIntervalMs").asLong()).isEqualTo(5000);
                assertThat(i.path("lastHeartbeatAt").asString()).isNotBlank();
              });
    }
  }

  /** The participants with at least one live instance, by name, from GET /api/participants. */
  private Map<String, JsonNode> liveParticipants() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(system.coordinatorUri().resolve("/api/participants"))
                .header("X-API-Key", adminKey)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, JsonNode> live = new LinkedHashMap<>();
    for (JsonNode p : json.readTree(response.body())) {
      if (p.path("liveInstances").asInt() > 0) {
        live.put(p.path("participant").asString(), p);
      }
    }
    return live;
  }

  @Test
  void coordinatorRefusingTheTripServiceKeyIsA502NamingTheRefusal() throws Exception {
    SagaClient wrongKey =
        SagaClient.create(
            SagaClientOptions.newBuilder(system.coordinatorUri())
                .apiKey(TravelSystem.randomKey())
                .build());
    try (TripApi api = TripApi.start(0, system.tripDb(), wrongKey, json, Clock.systemUTC())) {
      HttpResponse<String> response =
          post(api, "wrong-key-1", trip("Alan", "WRONGKEY1", "wrong-key-hotel", null, 1000));

      assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("application/problem+json");
      JsonNode problem = json.readTree(response.body());
      assertThat(problem.path("status").asInt()).isEqualTo(502);
      assertThat(problem.path("title").asString())
          .isEqualTo("Coordinator refused the trip service");
      assertThat(problem.path("detail").asString()).contains("the coordinator answered 401");
    }
    assertThat(tripRows("wrong-key-1")).isZero();
  }

  @Test
  void coordinatorThatCannotBeReachedIsA502ForBookingAndForShowingATrip() throws Exception {
    DemoInventory.flight(system.flightDb(), "DOWN1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "down-hotel", in, out, 5);
    UUID booked = book("down-0", trip("Ken", "DOWN1", "down-hotel", null, 1000));
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    SagaClient down =
        SagaClient.create(
            SagaClientOptions.newBuilder(URI.create("http://127.0.0.1:" + closedPort)).build());
    try (TripApi api = TripApi.start(0, system.tripDb(), down, json, Clock.systemUTC())) {
      HttpResponse<String> booking =
          post(api, "down-1", trip("Ken", "DOWN1", "down-hotel", null, 1000));
      HttpResponse<String> shown =
          http.send(
              HttpRequest.newBuilder(apiUri(api, "/trips/" + booked)).GET().build(),
              HttpResponse.BodyHandlers.ofString());

      for (HttpResponse<String> response : List.of(booking, shown)) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type"))
            .hasValue("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.path("title").asString()).isEqualTo("Coordinator unavailable");
        assertThat(problem.path("detail").asString())
            .contains("127.0.0.1:" + closedPort, "unreachable");
      }
    }
    assertThat(tripRows("down-1")).isZero();
    awaitEnd(booked);
  }

  @Test
  void idempotencyKeyReusedForAnotherTripIsTheCoordinators409PassedOn() throws Exception {
    DemoInventory.flight(system.flightDb(), "REUSE1", in, 10);
    DemoInventory.hotel(system.hotelDb(), "reuse-hotel", in, out, 5);
    UUID first = book("reuse-1", trip("Niklaus", "REUSE1", "reuse-hotel", null, 1000));

    HttpResponse<String> other =
        post("reuse-1", trip("Niklaus", "REUSE1", "reuse-hotel", null, 2000));

    assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
    assertThat(other.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = json.readTree(other.body());
    assertThat(problem.path("title").asString()).isEqualTo("Idempotency-Key reused");
    assertThat(problem.path("detail").asString()).contains("the coordinator answered 409");
    assertThat(awaitEnd(first).path("status").asString()).isEqualTo("COMPLETED");
    assertThat(
            available(
                system.flightDb(), "SELECT seats_available FROM flight WHERE id = ?", "REUSE1"))
        .isEqualTo(9);
  }

  private Map<String, Object> trip(
      String customer, String flight, String hotel, String carLocation, long priceCents) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("customer", customer);
    body.put("flight", Map.of("flightId", flight, "passenger", customer));
    body.put(
        "hotel", Map.of("hotelId", hotel, "checkIn", in.toString(), "checkOut", out.toString()));
    body.put(
        "car",
        carLocation == null
            ? null
            : Map.of("location", carLocation, "pickUp", in.toString(), "dropOff", out.toString()));
    body.put("priceCents", priceCents);
    return body;
  }

  private HttpResponse<String> post(String key, Map<String, Object> body) throws Exception {
    return post(system.tripApiUri().resolve("/trips"), key, body);
  }

  private HttpResponse<String> post(TripApi api, String key, Map<String, Object> body)
      throws Exception {
    return post(apiUri(api, "/trips"), key, body);
  }

  private static URI apiUri(TripApi api, String path) {
    return URI.create("http://127.0.0.1:" + api.port() + path);
  }

  private HttpResponse<String> post(URI uri, String key, Map<String, Object> body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private UUID book(String key, Map<String, Object> body) throws Exception {
    HttpResponse<String> response = post(key, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return UUID.fromString(json.readTree(response.body()).path("tripId").asString());
  }

  /** The trip once ended: each request waits on the trip API, which long-polls the coordinator. */
  private JsonNode awaitEnd(UUID trip) {
    URI uri = system.tripApiUri().resolve("/trips/" + trip + "?wait=20");
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
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

  /** Rows the coordinator holds for the saga: its instance and its log. */
  private int sagaRows(UUID saga) throws SQLException {
    try (Connection connection = coordinatorDb.dataSource().getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "SELECT (SELECT count(*) FROM saga_instance WHERE id = ?)"
                    + " + (SELECT count(*) FROM saga_log WHERE saga_id = ?)")) {
      statement.setObject(1, saga);
      statement.setObject(2, saga);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private int tripRows(String idempotencyKey) throws SQLException {
    try (Connection connection = system.tripDb().getConnection();
        PreparedStatement statement =
            connection.prepareStatement("SELECT count(*) FROM trip WHERE idempotency_key = ?")) {
      statement.setString(1, idempotencyKey);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private static boolean connects(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** An address of this machine other than the loopback, or null if it has none. */
  private static InetAddress nonLoopbackAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(
            nic -> {
              try {
                return nic.isUp() && !nic.isLoopback();
              } catch (SocketException e) {
                return false;
              }
            })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
        .findFirst()
        .orElse(null);
  }

  private List<String> loggedSteps(UUID saga) throws SQLException {
    return column(
        saga, "SELECT DISTINCT step FROM saga_log_entry WHERE saga_id = ? AND step IS NOT NULL");
  }

  private List<String> loggedTypes(UUID saga) throws SQLException {
    // saga_log keeps one row per transition; the view lists every log entry, as the timeline does
    return column(saga, "SELECT type FROM saga_log_entry WHERE saga_id = ? ORDER BY seq, entry");
  }

  /**
   * Whether the step's forward attempt has timed out; if not, moves the clock to the due time of
   * its timeout when that lies ahead. The relay counts a timeout from Kafka's acknowledgement of
   * the command, so a move while the command is on its way postpones the timeout: the next call
   * moves the clock again.
   */
  private boolean passForwardTimeout(UUID saga, String step) throws SQLException {
    List<String> types =
        column(
            saga,
            "SELECT type FROM saga_log_entry WHERE saga_id = ? AND step = ? ORDER BY seq, entry",
            step);
    if (types.stream().anyMatch(type -> type.contains("TIMED_OUT"))) {
      return true;
    }
    try (Connection connection = coordinatorDb.dataSource().getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "SELECT due_at FROM saga_timer WHERE saga_id = ? AND step = ?"
                    + " AND kind = 'STEP_TIMEOUT' AND coalesce(phase, 'forward') = 'forward'"
                    + " ORDER BY due_at LIMIT 1")) {
      statement.setObject(1, saga);
      statement.setString(2, step);
      try (ResultSet rows = statement.executeQuery()) {
        if (rows.next()) {
          Duration ahead =
              Duration.between(
                  clock.instant(), rows.getObject(1, OffsetDateTime.class).toInstant());
          if (!ahead.isNegative()) {
            clock.advance(ahead.plusMillis(1));
          }
        }
      }
    }
    return false;
  }

  private List<String> column(UUID saga, String sql, Object... more) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection connection = coordinatorDb.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setObject(1, saga);
      for (int i = 0; i < more.length; i++) {
        statement.setObject(i + 2, more[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          values.add(rows.getString(1));
        }
      }
    }
    return values;
  }

  private static int available(DataSource dataSource, String sql, String key) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, key);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private static String reservationStatus(DataSource dataSource, String table, UUID saga)
      throws SQLException {
    return reservations(dataSource, table).get(saga);
  }

  private static Map<UUID, String> reservations(DataSource dataSource, String table)
      throws SQLException {
    Map<UUID, String> statuses = new HashMap<>();
    // table is one of three constants of this test
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement("SELECT saga_id, status FROM " + table);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        statuses.put((UUID) rows.getObject(1), rows.getString(2));
      }
    }
    return statuses;
  }

  private TestDatabase database(PostgresInfra postgres, String prefix) {
    TestDatabase database = postgres.newDatabase(prefix);
    databases.add(database);
    return database;
  }

  private static TravelSystem.Database coordinates(TestDatabase database) {
    return new TravelSystem.Database(database.jdbcUrl(), database.username(), database.password());
  }
}
