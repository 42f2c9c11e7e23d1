package io.sagacoord.examples.travel.demo;

import io.sagacoord.examples.travel.car.JsCarService;
import io.sagacoord.testkit.EmbeddedInfra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The one-command demo: embedded PostgreSQL and Kafka, the coordinator, the flight, hotel, car and
 * trip services, a few trips booked, their outcomes printed. Keeps serving until stopped, unless
 * {@code --exit} is given: then it exits after the scenario, with status 0 only if every saga ended
 * as expected. With {@code --js-car} the car service is the JavaScript one ({@code
 * examples/travel-booking/car-service-js}, run by {@code node}, or by the command in {@code NODE})
 * behind the saga bridge, in place of the Java one.
 *
 * <p>Ports: the coordinator's REST API on {@code SEC_PORT} (default 8080), the trip API on {@code
 * TRIP_PORT} (default 8081), both on {@code BIND_ADDRESS} (default 127.0.0.1: reachable from this
 * machine only; 0.0.0.0 for every interface).
 */
public final class DemoMain {

  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    boolean exitAfterScenario = List.of(args).contains("--exit");
    boolean jsCar = List.of(args).contains("--js-car");
    int coordinatorPort = port("SEC_PORT", 8080);
    int tripPort = port("TRIP_PORT", 8081);

    // the operator's key: from the environment, or a fresh one printed below
    String adminKey = System.getenv("SEC_API_KEY");
    boolean generatedKey = adminKey == null || adminKey.isBlank();
    if (generatedKey) {
      adminKey = TravelSystem.randomKey();
    }
    System.out.println("Starting embedded PostgreSQL and Kafka ...");
    EmbeddedInfra infra = EmbeddedInfra.start();
    System.out.println(
        "Starting the coordinator, the flight, hotel, car and billing services and the trip API"
            + " ...");
    TravelSystem system;
    try {
      system =
          TravelSystem.start(
              new TravelSystem.Config(
                  infra.bootstrapServers(),
                  database(infra, "coordinator"),
                  database(infra, "flight_service"),
                  database(infra, "hotel_service"),
                  database(infra, "car_service"),
                  database(infra, "trip_service"),
                  coordinatorPort,
                  tripPort,
                  adminKey,
                  Map.of(),
                  System.getenv("BIND_ADDRESS")),
              jsCar ? jsCarSettings() : null);
    } catch (RuntimeException e) {
      infra.close();
      throw e;
    }
    // on Ctrl-C the services stop first, then PostgreSQL and Kafka (one ordered exit hook)
    infra.closeBeforeOnExit(system);

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    DemoScenario scenario = new DemoScenario();
    scenario.prepare(system);
    System.out.println("Booking the demo trips ...");
    List<DemoScenario.Outcome> outcomes =
        scenario.run(system.tripApiUri(), today, Duration.ofSeconds(90));
    System.out.println();
    System.out.print(DemoScenario.table(outcomes));
    boolean allAsExpected = outcomes.stream().allMatch(DemoScenario.Outcome::asExpected);
    System.out.println();
    System.out.println(
        allAsExpected
            ? "Every saga ended as expected."
            : "Some sagas did NOT end as expected (see the table).");
    if (exitAfterScenario) {
      // the services stop now: their addresses are left out, they would not answer
      System.out.println("Stopping ...");
      system.close();
      infra.close();
      System.exit(allAsExpected ? 0 : 1);
    }
    System.out.println("Trip API:          " + system.tripApiUri() + "/trips/{id}");
    System.out.println("Coordinator API:   " + system.coordinatorUri() + "/api/sagas/{id}");
    System.out.println("Coordinator health " + system.coordinatorUri() + "/actuator/health");
    System.out.println("Swagger UI:        " + system.coordinatorUri() + "/swagger-ui/index.html");
    System.out.println(
        "Admin API key:     "
            + adminKey
            + (generatedKey
                ? " (generated; set SEC_API_KEY to choose one)"
                : " (from SEC_API_KEY)"));
    System.out.println(
        "  e.g. curl -H 'X-API-Key: "
            + adminKey
            + "' "
            + system.coordinatorUri()
            + "/api/sagas?status=FAILED");

    System.out.println("Serving until stopped (Ctrl-C).");
    new CountDownLatch(1).await();
  }

  private static JsCarService.Settings jsCarSettings() throws IOException {
    String node = System.getenv("NODE");
    Path data = Files.createTempFile("demo-cars-", ".json");
    // the script starts from an empty file it writes itself
    Files.delete(data);
    data.toFile().deleteOnExit();
    System.out.println(
        "The car service is car-service.js behind the saga bridge (data in " + data + ")");
    return DemoScenario.jsCarSettings(node == null || node.isBlank() ? "node" : node, data);
  }

  private static TravelSystem.Database database(EmbeddedInfra infra, String name) {
    return new TravelSystem.Database(infra.jdbcUrl(name), infra.username(), infra.password());
  }

  private static int port(String variable, int fallback) {
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(variable + " must be a port number, was '" + value + "'");
    }
  }
}
