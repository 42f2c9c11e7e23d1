package io.sagacoord.examples.travel.trip;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sagacoord.client.AwaitTimeoutException;
import io.sagacoord.client.NotFoundException;
import io.sagacoord.client.Problem;
import io.sagacoord.client.Saga;
import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientException;
import io.sagacoord.client.UnavailableException;
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
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
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
 *   <li>{@code GET /trips/{id}} shows the trip with its saga status and reservations; with {@code
 *       ?wait=<seconds>} (at most 60) it answers when the trip has ended, or when the wait is over
 *       with the trip as it is then (the client's long-poll on the coordinator, no polling).
 * </ul>
 *
 * It talks to the coordinator through {@link SagaClient}.
 *
 * <p>Errors are RFC 9457 problem details ({@code application/problem+json}): 400 for a malformed or
 * incomplete request (an incomplete one lists every missing part in {@code errors}, and nothing
 * reaches the coordinator), 404, 405, 413; the coordinator's refusals as described at {@link
 * #coordinatorRefused}; 502 when the coordinator cannot be reached or fails; 500 for a fault of the
 * trip service itself.
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
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final long MAX_WAIT_SECONDS = 60;
  private static final Logger LOG = LoggerFactory.getLogger(TripApi.class);

  private final HttpServer server;
  private final DataSource dataSource;
  private final SagaClient coordinator;
  private final ObjectMapper json;
  private final Clock clock;

  private TripApi(
      HttpServer server,
      DataSource dataSource,
      SagaClient coordinator,
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
      int port, DataSource dataSource, SagaClient coordinator, ObjectMapper json, Clock clock)
      throws IOException {
    return start(new InetSocketAddress("127.0.0.1", port), dataSource, coordinator, json, clock);
  }

  /** Starts the API on the given address. The trip schema must be migrated. */
  public static TripApi start(
      InetSocketAddress address,
      DataSource dataSource,
      SagaClient coordinator,
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

  /**
   * Answers one request. Every failure becomes a problem before the exchange is closed: the
   * coordinator's refusals as described at {@link #coordinatorRefused}, an unreachable or failing
   * coordinator as 502, a fault of the trip service itself as 500 (with the cause in its log).
   */
  private void handle(HttpExchange exchange) {
    try (exchange) {
      try {
        route(exchange);
      } catch (SagaClientException e) {
        coordinatorRefused(exchange, e);
      } catch (SQLException e) {
        LOG.error("trip API: the trip database failed: " + e.getMessage());
        problem(exchange, 500, "Internal error", "the trip database failed; see the service log");
      } catch (RuntimeException e) {
        LOG.error("trip API: " + describe(exchange) + " failed", e);
        problem(exchange, 500, "Internal error", "the trip service failed; see the service log");
      }
    } catch (IOException e) {
      // the client went away; there is no one to answer
      LOG.debug("trip API: " + describe(exchange) + ": " + e);
    }
  }

  private void route(HttpExchange exchange) throws IOException, SQLException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    if (path.equals("/trips") || path.equals("/trips/")) {
      if (!method.equals("POST")) {
        exchange.getResponseHeaders().set("Allow", "POST");
        problem(exchange, 405, "Method not allowed", "use POST /trips to book a trip");
        return;
      }
      book(exchange);
    } else if (path.startsWith("/trips/") && path.indexOf('/', 7) < 0) {
      if (!method.equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET");
        problem(exchange, 405, "Method not allowed", "use GET /trips/{id}");
        return;
      }
      show(exchange, path.substring(7));
    } else {
      problem(exchange, 404, "Not found", "no resource at " + abbreviate(path));
    }
  }

  /**
   * Passes on what the customer can act on: the coordinator's 400 (the trip data), 409 (the
   * Idempotency-Key was used for another trip), 429 and 503 (try again later, with its {@code
   * Retry-After}). A coordinator that does not answer is 502 "Coordinator unavailable". Everything
   * else is the trip service's problem with the coordinator, not the customer's (its key refused,
   * the trip saga not loaded, the coordinator failing): 502, naming the coordinator's status and
   * what it said.
   */
  private void coordinatorRefused(HttpExchange exchange, SagaClientException e) throws IOException {
    int status = e.status();
    if (status == 0) {
      String said =
          "the coordinator at "
              + coordinator.options().baseUri().getAuthority()
              + " is unreachable or did not answer in time ("
              + rootCause(e)
              + ")";
      LOG.warn("trip API: " + said);
      problem(exchange, 502, "Coordinator unavailable", said);
      return;
    }
    String said = "the coordinator answered " + status + ": " + said(e.problem());
    switch (status) {
      case 400 -> problem(exchange, 400, "Trip refused by the coordinator", said);
      case 409 ->
          problem(
              exchange,
              409,
              "Idempotency-Key reused",
              "the Idempotency-Key was used before for another trip request; " + said);
      case 429, 503 -> {
        if (e instanceof UnavailableException busy && busy.retryAfter() != null) {
          exchange
              .getResponseHeaders()
              .set("Retry-After", Long.toString(busy.retryAfter().toSeconds()));
        }
        problem(exchange, status, "Coordinator busy", said + "; try again later");
      }
      default -> {
        String title =
            status == 401 || status == 403
                ? "Coordinator refused the trip service"
                : "Coordinator failed";
        LOG.warn("trip API: " + said);
        problem(exchange, 502, title, said);
      }
    }
  }

  /** The title and detail of the coordinator's problem, shortened. */
  private static String said(Problem problem) {
    if (problem == null) {
      return "(no problem detail)";
    }
    String title = problem.title() == null ? "" : problem.title();
    String detail = problem.detail() == null ? "" : problem.detail();
    String both = title.isEmpty() || detail.isEmpty() ? title + detail : title + ": " + detail;
    return both.isEmpty() ? "(no problem detail)" : abbreviate(both);
  }

  /** The innermost cause in a few words: its kind, and its message if it has one. */
  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String kind = cause.getClass().getSimpleName();
    return cause.getMessage() == null ? kind : kind + ": " + abbreviate(cause.getMessage());
  }

  private static String describe(HttpExchange exchange) {
    return exchange.getRequestMethod() + " " + abbreviate(exchange.getRequestURI().getPath());
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
      problem(exchange, 400, "Malformed trip request", malformed(e));
      return;
    }
    if (request == null) {
      problem(exchange, 400, "Malformed trip request", "the body is null, not a trip request");
      return;
    }
    List<String> problems =
        TripData.problems(
            request.customer(),
            request.flight(),
            request.hotel(),
            request.car(),
            request.priceCents());
    if (!problems.isEmpty()) {
      ObjectNode problem =
          problemBody(exchange, 400, "Invalid trip request", String.join("; ", problems));
      problems.forEach(problem.putArray("errors")::add);
      send(exchange, 400, PROBLEM_JSON, json.writeValueAsBytes(problem));
      return;
    }
    TripData data =
        TripData.request(
            request.customer(),
            request.flight(),
            request.hotel(),
            request.car(),
            request.priceCents());
    UUID tripId = coordinator.start(TripSaga.TYPE, "trip:" + key, data).sagaId();
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
    Duration wait = waitOf(exchange.getRequestURI().getRawQuery());
    if (wait == null) {
      problem(
          exchange,
          400,
          "Malformed wait",
          "wait is a whole number of seconds from 0 to " + MAX_WAIT_SECONDS);
      return;
    }
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
    Saga saga;
    try {
      saga = wait.isZero() ? coordinator.get(tripId) : coordinator.awaitEnd(tripId, wait);
    } catch (AwaitTimeoutException e) {
      saga = e.lastSeen();
    } catch (NotFoundException e) {
      LOG.warn("trip API: the coordinator has no saga for trip " + tripId);
      problem(exchange, 502, "Coordinator failed", "the coordinator has no saga for this trip");
      return;
    }
    JsonNode data = saga.data() == null ? json.createObjectNode() : saga.data();
    Map<String, Object> trip = new LinkedHashMap<>();
    trip.put("tripId", tripId.toString());
    trip.put("customer", customer.get());
    trip.put("status", saga.status());
    trip.put("statusReason", saga.statusReason());
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

  /** The {@code wait} of the query (zero when absent), or null when it is malformed. */
  private static Duration waitOf(String query) {
    if (query == null) {
      return Duration.ZERO;
    }
    for (String parameter : query.split("&")) {
      if (parameter.startsWith("wait=")) {
        String value = parameter.substring(5);
        if (!value.matches("[0-9]{1,4}") || Long.parseLong(value) > MAX_WAIT_SECONDS) {
          return null;
        }
        return Duration.ofSeconds(Long.parseLong(value));
      }
    }
    return Duration.ZERO;
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

  /** What is wrong with a body that does not decode, in our words, with where it is wrong. */
  private static String malformed(JacksonException e) {
    StringBuilder field = new StringBuilder();
    for (JacksonException.Reference reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        field.append(field.length() == 0 ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        field.append('[').append(reference.getIndex()).append(']');
      }
    }
    if (field.length() > 0) {
      return "'"
          + abbreviate(field.toString())
          + "' does not have the expected form (text, a number, or a date as YYYY-MM-DD)";
    }
    TokenStreamLocation at = e.getLocation();
    return at == null || at.getLineNr() < 0
        ? "the body is not a JSON trip request"
        : "the body is not a JSON trip request (line "
            + at.getLineNr()
            + ", column "
            + at.getColumnNr()
            + ")";
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      return body.length > MAX_BODY_BYTES ? null : body;
    }
  }

  private void problem(HttpExchange exchange, int status, String title, String detail)
      throws IOException {
    send(
        exchange,
        status,
        PROBLEM_JSON,
        json.writeValueAsBytes(problemBody(exchange, status, title, detail)));
  }

  private ObjectNode problemBody(HttpExchange exchange, int status, String title, String detail) {
    ObjectNode problem = json.createObjectNode();
    problem.put("type", "about:blank");
    problem.put("title", title);
    problem.put("status", status);
    problem.put("detail", detail);
    problem.put("instance", abbreviate(exchange.getRequestURI().getPath()));
    return problem;
  }

  /**
   * Sends the answer. A failure after the status went out (a bug writing the body) can no longer
   * become a problem: it is logged and the reply ends where it is.
   */
  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    if (exchange.getResponseCode() != -1) {
      LOG.error(
          "trip API: "
              + describe(exchange)
              + " failed after answering "
              + exchange.getResponseCode()
              + "; the "
              + status
              + " it then tried to send is lost");
      return;
    }
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
