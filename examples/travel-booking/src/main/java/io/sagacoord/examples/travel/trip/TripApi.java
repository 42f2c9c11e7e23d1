package io.sagacoord.examples.travel.trip;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sagacoord.examples.travel.common.Jdbc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The trip service's HTTP API.
 *
 * <ul>
 *   <li>{@code POST /trips} with an {@code Idempotency-Key} header books a trip: it starts the trip
 *       saga on the coordinator (the same key returns the same trip) and answers 201 with the trip
 *       id, which is the saga id;
 *   <li>{@code GET /trips/{id}} shows the trip with its saga status and reservations.
 * </ul>
 *
 * Errors are RFC 9457 problem details.
 */
public final class TripApi implements AutoCloseable {

  /** What a customer sends to book a trip; {@code car} may be null. */
  public record TripRequest(
      String customer,
      TripData.Flight flight,
      TripData.Hotel hotel,
      TripData.Car car,
      long priceCents) {}

  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final HttpServer server;
  private final DataSource dataSource;
  private final CoordinatorClient coordinator;
  private final ObjectMapper json;
  private final Clock clock;

  private TripApi(
      HttpServer server,
      DataSource dataSource,
      CoordinatorClient coordinator,
      ObjectMapper json,
      Clock clock) {
    this.server = server;
    this.dataSource = dataSource;
    this.coordinator = coordinator;
    this.json = json;
    this.clock = clock;
  }

  /**
   * Starts the API on 127.0.0.1:{@code port} (0 picks a free one). The trip schema must be
   * migrated.
   */
  public static TripApi start(
      int port,
      DataSource dataSource,
      CoordinatorClient coordinator,
      ObjectMapper json,
      Clock clock)
      throws IOException {
    return start(new InetSocketAddress("127.0.0.1", port), dataSource, coordinator, json, clock);
  }

  /** Starts the API on the given address. The trip schema must be migrated. */
  public static TripApi start(
      InetSocketAddress address,
      DataSource dataSource,
      CoordinatorClient coordinator,
      ObjectMapper json,
      Clock clock)
      throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    TripApi api = new TripApi(server, dataSource, coordinator, json, clock);
    server.createContext("/trips", api::handle);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    return api;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/trips") || path.equals("/trips/")) {
        if (!method.equals("POST")) {
          problem(exchange, 405, "Method not allowed", "use POST /trips to book a trip");
          return;
        }
        book(exchange);
      } else if (path.startsWith("/trips/") && path.indexOf('/', 7) < 0) {
        if (!method.equals("GET")) {
          problem(exchange, 405, "Method not allowed", "use GET /trips/{id}");
          return;
        }
        show(exchange, path.substring(7));
      } else {
        problem(exchange, 404, "Not found", "no resource at " + path);
      }
    } catch (CoordinatorClient.CoordinatorException e) {
      problem(exchange, e.status() >= 500 ? 502 : e.status(), "Coordinator refused", e.body());
    } catch (RuntimeException | SQLException e) {
      problem(exchange, 500, "Internal error", e.toString());
    }
  }

  private void book(HttpExchange exchange) throws IOException, SQLException {
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null || key.isBlank() || key.length() > 200) {
      problem(exchange, 400, "Missing Idempotency-Key", "send a unique Idempotency-Key header");
      return;
    }
    byte[] body = readBody(exchange);
    if (body == null) {
      problem(exchange, 413, "Body too large", "a trip request is at most 64 KiB");
      return;
    }
    TripRequest request;
    try {
      request = json.readValue(body, TripRequest.class);
    } catch (JacksonException e) {
      problem(exchange, 400, "Malformed trip request", e.getOriginalMessage());
      return;
    }
    String invalid = validate(request);
    if (invalid != null) {
      problem(exchange, 400, "Invalid trip request", invalid);
      return;
    }
    TripData data =
        TripData.request(
            request.customer(),
            request.flight(),
            request.hotel(),
            request.car(),
            request.priceCents());
    UUID tripId = coordinator.startTrip("trip:" + key, data);
    boolean created;
    try (Connection connection = dataSource.getConnection()) {
      created =
          Jdbc.update(
                  connection,
                  "INSERT INTO trip (id, idempotency_key, request_hash, saga_id, customer, request,"
                      + " created_at) VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), ?)"
                      + " ON CONFLICT (idempotency_key) DO NOTHING",
                  tripId,
                  key,
                  sha256(body),
                  tripId,
                  request.customer(),
                  json.writeValueAsString(request),
                  clock.instant())
              == 1;
    }
    ObjectNode answer = json.createObjectNode();
    answer.put("tripId", tripId.toString());
    answer.put("sagaId", tripId.toString());
    answer.put("href", "/trips/" + tripId);
    exchange.getResponseHeaders().add("Location", "/trips/" + tripId);
    send(exchange, created ? 201 : 200, "application/json", json.writeValueAsBytes(answer));
  }

  private void show(HttpExchange exchange, String idText) throws IOException, SQLException {
    UUID tripId;
    try {
      tripId = UUID.fromString(idText);
    } catch (IllegalArgumentException e) {
      problem(exchange, 400, "Malformed trip id", "'" + idText + "' is not a UUID");
      return;
    }
    Optional<String> customer = customerOf(tripId);
    if (customer.isEmpty()) {
      problem(exchange, 404, "Trip not found", "no trip " + tripId);
      return;
    }
    JsonNode saga =
        coordinator
            .saga(tripId)
            .orElseThrow(() -> new IllegalStateException("trip " + tripId + " has no saga"));
    JsonNode data = saga.path("data");
    Map<String, Object> trip = new LinkedHashMap<>();
    trip.put("tripId", tripId.toString());
    trip.put("customer", customer.get());
    trip.put("status", saga.path("status").asString());
    trip.put("statusReason", text(saga, "statusReason"));
    Map<String, Object> reservations = new LinkedHashMap<>();
    reservations.put("flight", text(data, "flightReservation"));
    reservations.put("hotel", text(data, "hotelReservation"));
    reservations.put("car", text(data, "carReservation"));
    trip.put("reservations", reservations);
    trip.put("paymentId", text(data, "paymentId"));
    trip.put("itineraryId", text(data, "itineraryId"));
    trip.put("failureReason", text(data, "failureReason"));
    trip.put("saga", "/api/sagas/" + tripId);
    send(exchange, 200, "application/json", json.writeValueAsBytes(trip));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }

  private Optional<String> customerOf(UUID tripId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement("SELECT customer FROM trip WHERE id = ?")) {
      statement.setObject(1, tripId);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
      }
    }
  }

  private static String validate(TripRequest request) {
    if (request.customer() == null || request.customer().isBlank()) {
      return "customer is required";
    }
    if (request.flight() == null || request.flight().flightId() == null) {
      return "flight.flightId is required";
    }
    if (request.flight().passenger() == null) {
      return "flight.passenger is required";
    }
    if (request.hotel() == null
        || request.hotel().hotelId() == null
        || request.hotel().checkIn() == null
        || request.hotel().checkOut() == null) {
      return "hotel.hotelId, hotel.checkIn and hotel.checkOut are required";
    }
    if (!request.hotel().checkIn().isBefore(request.hotel().checkOut())) {
      return "hotel.checkIn must be before hotel.checkOut";
    }
    if (request.car() != null
        && (request.car().location() == null
            || request.car().pickUp() == null
            || request.car().dropOff() == null
            || !request.car().pickUp().isBefore(request.car().dropOff()))) {
      return "car needs location, and pickUp before dropOff";
    }
    if (request.priceCents() < 0) {
      return "priceCents must not be negative";
    }
    return null;
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      return body.length > MAX_BODY_BYTES ? null : body;
    }
  }

  private void problem(HttpExchange exchange, int status, String title, String detail)
      throws IOException {
    ObjectNode problem = json.createObjectNode();
    problem.put("type", "about:blank");
    problem.put("title", title);
    problem.put("status", status);
    problem.put("detail", detail);
    problem.put("instance", exchange.getRequestURI().getPath());
    send(exchange, status, "application/problem+json", json.writeValueAsBytes(problem));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
