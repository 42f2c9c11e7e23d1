package io.sagacoord.examples.travel.demo;

import io.sagacoord.bridge.BridgeConfig;
import io.sagacoord.examples.travel.car.JsCarService;
import io.sagacoord.examples.travel.common.Misbehaviour;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's trips: some complete, some are compensated because a car is unavailable, the hotel
 * does not answer in time, or the card is declined at the pivot. Books them through the trip API,
 * as a customer would, and waits for each saga to end.
 */
public final class DemoScenario {

  /** One booked trip and how it ended. */
  public record Outcome(
      String customer,
      String story,
      String expected,
      String expectedReason,
      String actual,
      UUID tripId,
      String reason) {
    /** The expected status, and for a compensated trip the expected cause in its reason. */
    public boolean asExpected() {
      return expected.equals(actual) && reason.contains(expectedReason);
    }
  }

  private record Trip(
      String customer,
      String story,
      String expected,
      String expectedReason,
      Map<String, Object> body) {}

  static final String SILENT_HOTEL = "silent-inn";

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Loads the shipped inventory (flight SK4711 in 14 days; harbour-hotel, silent-inn, and cars at
   * LIS-airport but none at LIS-downtown, for the 60 days from today in UTC) and makes the silent
   * hotel silent. The JavaScript car service keeps its own cars.
   */
  public void prepare(TravelSystem system) throws SQLException {
    DemoInventory.load(system.flightDb(), "inventory/flight.sql");
    DemoInventory.load(system.hotelDb(), "inventory/hotel.sql");
    if (system.jsCars() == null) {
      DemoInventory.load(system.carDb(), "inventory/car.sql");
    }
    // the silent inn answers after 6 s, past the hotel step's 3 s timeout
    system
        .hotels()
        .misbehave(Misbehaviour.NONE.withSilentKeys(Set.of(SILENT_HOTEL), Duration.ofSeconds(6)));
  }

  /**
   * The JavaScript car service with the demo's cars: ten a day at the airport, none downtown (its
   * inventory is set at start, not seeded into a database).
   */
  public static JsCarService.Settings jsCarSettings(String node, Path dataFile) {
    return new JsCarService.Settings(
        node,
        JsCarService.Settings.defaultScript(),
        dataFile,
        0,
        Map.of("LIS-airport", 10, "LIS-downtown", 0),
        BridgeConfig.Http.DEFAULT);
  }

  /** Books the demo trips and waits (at most {@code patience}) until every saga has ended. */
  public List<Outcome> run(URI tripApi, LocalDate today, Duration patience)
      throws IOException, InterruptedException {
    LocalDate in = today.plusDays(14);
    LocalDate out = today.plusDays(17);
    List<Trip> trips =
        List.of(
            new Trip(
                "Ada",
                "flight, hotel and car",
                "COMPLETED",
                "",
                trip("Ada", "harbour-hotel", in, out, car("LIS-airport", in, out), 120_000)),
            new Trip(
                "Grace",
                "flight and hotel, no car",
                "COMPLETED",
                "",
                trip("Grace", "harbour-hotel", in, out, null, 90_000)),
            new Trip(
                "Linus",
                "no car left downtown",
                "COMPENSATED",
                "car: no car left",
                trip("Linus", "harbour-hotel", in, out, car("LIS-downtown", in, out), 120_000)),
            new Trip(
                "Barbara",
                "hotel does not answer in time",
                "COMPENSATED",
                "timed out",
                trip("Barbara", SILENT_HOTEL, in, out, car("LIS-airport", in, out), 120_000)),
            new Trip(
                "Edsger",
                "card declined at the pivot",
                "COMPENSATED",
                "payment: card",
                trip("Edsger", "harbour-hotel", in, out, null, 5_000_000)));
    // The silent hotel holds up the hotel service's consumer while it sleeps, so it is booked
    // last: otherwise other trips' hotel steps could time out behind it, for the wrong reason.
    List<Outcome> outcomes = new ArrayList<>();
    outcomes.addAll(bookAndAwait(tripApi, trips.subList(0, 3), patience));
    outcomes.addAll(bookAndAwait(tripApi, trips.subList(4, 5), patience));
    outcomes.addAll(bookAndAwait(tripApi, trips.subList(3, 4), patience));
    return outcomes;
  }

  private List<Outcome> bookAndAwait(URI tripApi, List<Trip> trips, Duration patience)
      throws IOException, InterruptedException {
    Map<UUID, Trip> booked = new LinkedHashMap<>();
    for (Trip trip : trips) {
      booked.put(book(tripApi, trip), trip);
    }
    Instant giveUp = Instant.now().plus(patience);
    List<Outcome> outcomes = new ArrayList<>();
    for (Map.Entry<UUID, Trip> entry : booked.entrySet()) {
      JsonNode shown = awaitEnd(tripApi, entry.getKey(), giveUp);
      Trip trip = entry.getValue();
      String reason = text(shown, "failureReason");
      if (reason.isEmpty()) {
        reason = text(shown, "statusReason");
      }
      outcomes.add(
          new Outcome(
              trip.customer(),
              trip.story(),
              trip.expected(),
              trip.expectedReason(),
              shown.path("status").asString(),
              entry.getKey(),
              reason));
    }
    return outcomes;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asString();
  }

  /** The outcomes as a text table. */
  public static String table(List<Outcome> outcomes) {
    StringBuilder table = new StringBuilder();
    String format = "%-8s %-32s %-12s %-12s %-3s %-36s %s%n";
    table.append(
        String.format(
            format, "customer", "story", "expected", "actual", "ok", "saga id", "reason"));
    for (Outcome o : outcomes) {
      table.append(
          String.format(
              format,
              o.customer(),
              o.story(),
              o.expected(),
              o.actual(),
              o.asExpected() ? "yes" : "NO",
              o.tripId(),
              o.reason()));
    }
    return table.toString();
  }

  private static Map<String, Object> car(String location, LocalDate from, LocalDate until) {
    return Map.of("location", location, "pickUp", from.toString(), "dropOff", until.toString());
  }

  private static Map<String, Object> trip(
      String customer,
      String hotel,
      LocalDate in,
      LocalDate out,
      Map<String, Object> car,
      long priceCents) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("customer", customer);
    body.put("flight", Map.of("flightId", "SK4711", "passenger", customer));
    body.put(
        "hotel", Map.of("hotelId", hotel, "checkIn", in.toString(), "checkOut", out.toString()));
    body.put("car", car);
    body.put("priceCents", priceCents);
    return body;
  }

  private UUID book(URI tripApi, Trip trip) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(tripApi.resolve("/trips"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "demo-" + trip.customer() + "-" + UUID.randomUUID())
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(trip.body())))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "booking for "
              + trip.customer()
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return UUID.fromString(json.readTree(response.body()).path("tripId").asString());
  }

  /**
   * Asks the trip API for the trip until it has ended or {@code giveUp} has passed; each request
   * waits up to 30 s for the end (the trip service long-polls the coordinator through its client).
   */
  private JsonNode awaitEnd(URI tripApi, UUID tripId, Instant giveUp)
      throws IOException, InterruptedException {
    while (true) {
      long wait = Math.max(0, Math.min(30, Duration.between(Instant.now(), giveUp).toSeconds()));
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(tripApi.resolve("/trips/" + tripId + "?wait=" + wait))
                  .timeout(Duration.ofSeconds(wait + 30))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "trip " + tripId + " answered " + response.statusCode() + ": " + response.body());
      }
      JsonNode trip = json.readTree(response.body());
      String status = trip.path("status").asString();
      boolean ended = Set.of("COMPLETED", "COMPENSATED", "FAILED", "PARKED").contains(status);
      if (ended || !Instant.now().isBefore(giveUp)) {
        return trip;
      }
    }
  }
}
