package io.sagacoord.examples.travel.trip;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

  /** The coordinator answered with an error status; the body is its problem detail. */
  public static final class CoordinatorException extends RuntimeException {
    private final int status;
    private final String body;

    CoordinatorException(int status, String body) {
      super("coordinator answered " + status + ": " + body);
      this.status = status;
      this.body = body;
    }

    public int status() {
      return status;
    }

    public String body() {
      return body;
    }
  }

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
      throw new CoordinatorException(response.statusCode(), response.body());
    }
    JsonNode body = json.readTree(response.body());
    JsonNode id = body.has("sagaId") ? body.get("sagaId") : body.get("id");
    return UUID.fromString(id.asString());
  }

  /** The saga as the coordinator shows it, if it exists. */
  public Optional<JsonNode> saga(UUID sagaId) {
    HttpResponse<String> response = send(request("/api/sagas/" + sagaId).GET().build());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() / 100 != 2) {
      throw new CoordinatorException(response.statusCode(), response.body());
    }
    return Optional.of(json.readTree(response.body()));
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
    } catch (IOException e) {
      throw new IllegalStateException("coordinator at " + baseUri + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted calling the coordinator", e);
    }
  }
}
