package io.sagacoord.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client of the coordinator's REST API ({@code /api/sagas}, {@code /api/quarantine}) on the JDK's
 * {@link HttpClient}. Thread-safe; make one per coordinator and share it.
 *
 * <pre>{@code
 * SagaClient client = SagaClient.create(
 *     SagaClientOptions.newBuilder(URI.create("http://localhost:8080")).apiKey(key).build());
 * StartedSaga started = client.start("trip-booking", orderId, new TripData(...));
 * Saga done = client.awaitEnd(started.sagaId(), Duration.ofMinutes(2));
 * }</pre>
 *
 * Every failure is a {@link SagaClientException}: {@link NotFoundException}, {@link
 * ConflictException}, {@link BadRequestException}, {@link UnauthorizedException}, {@link
 * ForbiddenException}, {@link UnavailableException} (with {@code Retry-After}), {@link
 * AwaitTimeoutException}; each carries the problem detail the coordinator answered.
 */
public final class SagaClient {
  /** The longest single long-poll asked for; the server may cap it lower. */
  static final Duration MAX_POLL = Duration.ofSeconds(30);

  private static final Set<String> STANDARD_MEMBERS =
      Set.of("type", "title", "status", "detail", "instance");

  private final SagaClientOptions options;
  private final HttpClient http;
  private final ObjectMapper json;

  private SagaClient(SagaClientOptions options) {
    this.options = Objects.requireNonNull(options, "options must not be null");
    this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).build();
    this.json =
        options
            .jsonMapper()
            .rebuild()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
  }

  /** A client with these options. */
  public static SagaClient create(SagaClientOptions options) {
    return new SagaClient(options);
  }

  public SagaClientOptions options() {
    return options;
  }

  /**
   * Starts a saga of {@code sagaType} with {@code data} (encoded as JSON). Idempotent per type and
   * key: the same key with the same data answers the same saga id with {@code created = false}; the
   * same key with other data is a {@link ConflictException}.
   */
  public StartedSaga start(String sagaType, String idempotencyKey, Object data) {
    requireText(sagaType, "sagaType");
    requireText(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(data, "data must not be null");
    HttpRequest request =
        request("/api/sagas/" + segment(sagaType), options.requestTimeout())
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString(encode(data)))
            .build();
    return read(send(request), StartedSaga.class);
  }

  /** The saga; {@link NotFoundException} when there is none. */
  public Saga get(UUID sagaId) {
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    return read(
        send(request("/api/sagas/" + sagaId, options.requestTimeout()).GET().build()), Saga.class);
  }

  /** The saga's data decoded into {@code type} through the client's mapper. */
  public <T> T data(Saga saga, Class<T> type) {
    try {
      return json.treeToValue(saga.data(), type);
    } catch (JacksonException e) {
      throw new SagaClientException(
          "the data of saga " + saga.id() + " does not decode into " + type.getName(), 0, null, e);
    }
  }

  /**
   * Waits until the saga is COMPLETED, COMPENSATED or FAILED and returns it, by long-polling {@code
   * GET /api/sagas/{id}/end} (no request per interval: the coordinator answers when the saga ends).
   *
   * @throws AwaitTimeoutException when {@code timeout} passes first (carries the saga as last read)
   */
  public Saga awaitEnd(UUID sagaId, Duration timeout) {
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    Objects.requireNonNull(timeout, "timeout must not be null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    Instant until = Instant.now().plus(timeout);
    while (true) {
      Duration left = Duration.between(Instant.now(), until);
      if (left.isNegative()) {
        left = Duration.ZERO;
      }
      Duration wait = left.compareTo(MAX_POLL) > 0 ? MAX_POLL : left;
      HttpRequest request =
          request("/api/sagas/" + sagaId + "/end?wait=" + wait, options.requestTimeout().plus(wait))
              .GET()
              .build();
      Saga saga = read(send(request), Saga.class);
      if (saga.ended()) {
        return saga;
      }
      if (left.isZero() || !Instant.now().isBefore(until)) {
        throw new AwaitTimeoutException(
            "saga " + sagaId + " did not end within " + timeout + "; it is " + saga.status(), saga);
      }
    }
  }

  /** One page of sagas matching the query. */
  public SagaPage list(SagaQuery query) {
    Objects.requireNonNull(query, "query must not be null");
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    query
        .parameters()
        .forEach((k, v) -> q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return read(
        send(request("/api/sagas" + q, options.requestTimeout()).GET().build()), SagaPage.class);
  }

  /**
   * Operator: retries {@code step} (null: every stuck step) of a FAILED saga, or sends a step
   * waiting for a retry now. {@link ConflictException} in other states.
   */
  public ActionResult retryStep(UUID sagaId, String step, String reason) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("reason", reason);
    if (step != null) {
      body.put("step", step);
    }
    return action(sagaId, "retry-step", body);
  }

  /** Operator: compensates the done steps of a saga whose pivot has not succeeded. */
  public ActionResult forceCompensation(UUID sagaId, String reason) {
    return action(sagaId, "force-compensation", Map.of("reason", reason));
  }

  /** Operator: marks a FAILED saga as fixed by hand (COMPENSATED or COMPLETED). */
  public ActionResult resolve(UUID sagaId, String reason) {
    return action(sagaId, "resolve", Map.of("reason", reason));
  }

  /** Operator: feeds a quarantined message to its saga again. */
  public Redelivery redeliverQuarantined(long quarantineId, String reason) {
    HttpRequest request =
        request("/api/quarantine/" + quarantineId + "/redeliver", options.requestTimeout())
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    reasonBody(Map.of("reason", requireNonNullReason(reason)))))
            .build();
    return read(send(request), Redelivery.class);
  }

  private ActionResult action(UUID sagaId, String action, Map<String, String> body) {
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    requireNonNullReason(body.get("reason"));
    HttpRequest request =
        request("/api/sagas/" + sagaId + "/actions/" + action, options.requestTimeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(reasonBody(body)))
            .build();
    return read(send(request), ActionResult.class);
  }

  private static String requireNonNullReason(String reason) {
    return Objects.requireNonNull(reason, "reason must not be null (it is recorded in the audit)");
  }

  private String reasonBody(Map<String, String> body) {
    ObjectNode node = json.createObjectNode();
    body.forEach(node::put);
    return node.toString();
  }

  // ------------------------------------------------------------------ HTTP

  private HttpRequest.Builder request(String pathAndQuery, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(options.baseUri() + pathAndQuery))
            .timeout(timeout)
            .header("Accept", "application/json, application/problem+json");
    if (options.apiKey() != null) {
      b.header("X-API-Key", options.apiKey());
    } else if (options.bearerToken() != null) {
      b.header("Authorization", "Bearer " + options.bearerToken());
    }
    return b;
  }

  private HttpResponse<String> send(HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UnavailableException(
          request.method() + " " + request.uri().getPath() + " got no answer: " + e,
          0,
          null,
          null,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SagaClientException(
          request.method() + " " + request.uri().getPath() + " was interrupted", 0, null, e);
    }
    if (response.statusCode() >= 200 && response.statusCode() < 300) {
      return response;
    }
    throw failure(request, response);
  }

  private SagaClientException failure(HttpRequest request, HttpResponse<String> response) {
    int status = response.statusCode();
    Problem problem = problem(response);
    String message =
        request.method()
            + " "
            + request.uri().getPath()
            + " answered "
            + status
            + (problem == null
                ? ""
                : ": "
                    + problem.title()
                    + (problem.detail() == null ? "" : " (" + problem.detail() + ")"));
    switch (status) {
      case 400:
        return new BadRequestException(message, status, problem);
      case 401:
        return new UnauthorizedException(message, status, problem);
      case 403:
        return new ForbiddenException(message, status, problem);
      case 404:
        return new NotFoundException(message, status, problem);
      case 409:
        return new ConflictException(message, status, problem);
      case 429:
      case 502:
      case 503:
      case 504:
        return new UnavailableException(message, status, problem, retryAfter(response), null);
      default:
        return status >= 400 && status < 500
            ? new BadRequestException(message, status, problem)
            : new SagaClientException(message, status, problem, null);
    }
  }

  private Problem problem(HttpResponse<String> response) {
    String body = response.body();
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      JsonNode node = json.readTree(body);
      if (!node.isObject()) {
        return null;
      }
      Map<String, Object> properties = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (!STANDARD_MEMBERS.contains(e.getKey())) {
          properties.put(e.getKey(), json.treeToValue(e.getValue(), Object.class));
        }
      }
      return new Problem(
          node.hasNonNull("type") ? URI.create(node.get("type").asString()) : null,
          node.path("title").asString(null),
          node.path("status").asInt(response.statusCode()),
          node.path("detail").asString(null),
          node.hasNonNull("instance") ? URI.create(node.get("instance").asString()) : null,
          properties);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Duration retryAfter(HttpResponse<String> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .map(
            v -> {
              try {
                return Duration.ofSeconds(Long.parseLong(v.trim()));
              } catch (NumberFormatException e) {
                return null;
              }
            })
        .orElse(null);
  }

  private <T> T read(HttpResponse<String> response, Class<T> type) {
    try {
      return json.readValue(response.body(), type);
    } catch (JacksonException e) {
      throw new SagaClientException(
          "the answer of "
              + response.request().method()
              + " "
              + response.request().uri().getPath()
              + " is not a "
              + type.getSimpleName()
              + ": "
              + e.getOriginalMessage(),
          response.statusCode(),
          null,
          e);
    }
  }

  private String encode(Object data) {
    try {
      return json.writeValueAsString(data);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "data does not encode as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }
}
