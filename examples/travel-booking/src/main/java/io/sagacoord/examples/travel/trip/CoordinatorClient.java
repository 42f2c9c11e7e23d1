package io.sagacoord.examples.travel.trip;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The trip service's client of the coordinator's REST API: starts trip sagas and reads them back.
 * It is what any service that starts sagas would write; it uses only the documented HTTP API.
 */
public final class CoordinatorClient {

  /**
   * The coordinator answered with an error status.
   *
   * @see #status()
   * @see #problem()
   */
  public static final class CoordinatorException extends RuntimeException {
    private final int status;
    private final String problem;
    private final String retryAfter;

    CoordinatorException(int status, String problem, String retryAfter) {
      super("coordinator answered " + status + ": " + problem);
      this.status = status;
      this.problem = problem;
      this.retryAfter = retryAfter;
    }

    /** The coordinator's HTTP status. */
    public int status() {
      return status;
    }

    /**
     * What the coordinator said: the title and detail of its problem, shortened, or the start of
     * its body if it sent no problem.
     */
    public String problem() {
      return problem;
    }

    /** The coordinator's {@code Retry-After} header, or null. */
    public String retryAfter() {
      return retryAfter;
    }
  }

  /** The coordinator could not be reached, did not answer in time, or answered nonsense. */
  public static final class CoordinatorUnavailableException extends RuntimeException {
    CoordinatorUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Longest text of the coordinator's answer quoted in an exception. */
  private static final int MAX_QUOTED = 300;

  private final URI baseUri;
  private final String apiKey;
  private final ObjectMapper json;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param baseUri the coordinator, for example {@code http://localhost:8080}
   * @param apiKey the trip service's starter key, or null where the coordinator needs none
   */
  public CoordinatorClient(URI baseUri, String apiKey, ObjectMapper json) {
    this.baseUri = baseUri;
    this.apiKey = apiKey;
    this.json = json;
  }

  /** Starts (or finds, for a repeated key) the trip saga; returns its id. */
  public UUID startTrip(String idempotencyKey, TripData data) {
    HttpRequest.Builder request =
        request("/api/sagas/" + TripSaga.TYPE)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(data)));
    HttpResponse<String> response = send(request.build());
    if (response.statusCode() / 100 != 2) {
      throw refused(response);
    }
    try {
      JsonNode body = json.readTree(response.body());
      JsonNode id = body.has("sagaId") ? body.get("sagaId") : body.get("id");
      return UUID.fromString(id.asString());
    } catch (RuntimeException e) {
      throw new CoordinatorUnavailableException(
          "the coordinator at "
              + baseUri
              + " answered "
              + response.statusCode()
              + " without a saga id: "
              + abbreviate(response.body()),
          e);
    }
  }

  /** The saga as the coordinator shows it, if it exists. */
  public Optional<JsonNode> saga(UUID sagaId) {
    HttpResponse<String> response = send(request("/api/sagas/" + sagaId).GET().build());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() / 100 != 2) {
      throw refused(response);
    }
    try {
      return Optional.of(json.readTree(response.body()));
    } catch (RuntimeException e) {
      throw new CoordinatorUnavailableException(
          "the coordinator at " + baseUri + " answered a saga that is not JSON", e);
    }
  }

  /** The coordinator's error answer as an exception that says what it said. */
  private CoordinatorException refused(HttpResponse<String> response) {
    String said = abbreviate(response.body());
    try {
      JsonNode problem = json.readTree(response.body());
      String title = problem.path("title").asString("");
      String detail = problem.path("detail").asString("");
      if (!title.isEmpty() || !detail.isEmpty()) {
        said =
            abbreviate(
                title.isEmpty() || detail.isEmpty() ? title + detail : title + ": " + detail);
      }
    } catch (RuntimeException e) {
      // not a problem document: quote the start of the body
    }
    return new CoordinatorException(
        response.statusCode(), said, response.headers().firstValue("Retry-After").orElse(null));
  }

  private static String abbreviate(String text) {
    if (text == null || text.isBlank()) {
      return "(no body)";
    }
    String flat = text.strip().replaceAll("\\s+", " ");
    return flat.length() <= MAX_QUOTED ? flat : flat.substring(0, MAX_QUOTED) + "...";
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(baseUri.resolve(path)).timeout(Duration.ofSeconds(30));
    if (apiKey != null) {
      builder.header("X-API-Key", apiKey);
    }
    return builder;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new CoordinatorUnavailableException(
          "the coordinator at " + baseUri + " did not answer in time", e);
    } catch (IOException e) {
      throw new CoordinatorUnavailableException(
          "the coordinator at " + baseUri + " is unreachable (" + describe(e) + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CoordinatorUnavailableException("interrupted calling the coordinator", e);
    }
  }

  /** An I/O failure in a few words: its kind, and its message if it has one. */
  private static String describe(IOException e) {
    Throwable cause = e;
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String kind = cause.getClass().getSimpleName();
    return cause.getMessage() == null ? kind : kind + ": " + cause.getMessage();
  }
}
