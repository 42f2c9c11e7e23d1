package io.sagacoord.server.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks an HTTP response of the coordinator against {@code docs/openapi.json}, the API's contract,
 * with an OpenAPI validator library: status, headers, content type and body schema. A response to a
 * route the contract does not describe (an unknown path, a method the route lacks, HEAD or OPTIONS,
 * the actuator) must still be an RFC 9457 problem when it is an error, and may succeed only on the
 * actuator, HEAD or OPTIONS. HEAD is held to what the contract says of the GET.
 */
public final class OpenApiContract {

  public static final Path DOCUMENT = Path.of("..", "docs", "openapi.json");
  private static final String PROBLEM_TYPE_BASE = "https://sagacoord.io/problems/";
  private static final Set<String> NOT_DESCRIBED =
      Set.of("validation.request.path.missing", "validation.request.operation.notAllowed");

  private static OpenApiInteractionValidator validator;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private OpenApiContract() {}

  private static synchronized OpenApiInteractionValidator validator() {
    if (validator == null) {
      try {
        validator =
            OpenApiInteractionValidator.createForInlineApiSpecification(Files.readString(DOCUMENT))
                .build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return validator;
  }

  /**
   * Throws an {@link AssertionError} naming every way {@code response} breaks the contract.
   *
   * @param path the request path, with or without a query string
   */
  public static void check(String method, String path, HttpResponse<String> response) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    boolean head = method.equalsIgnoreCase("HEAD");
    Request.Method as =
        head ? Request.Method.GET : Request.Method.valueOf(method.toUpperCase(Locale.ROOT));
    SimpleResponse.Builder b = new SimpleResponse.Builder(response.statusCode());
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!name.startsWith(":")) {
                b.withHeader(name, values);
              }
            });
    response.headers().firstValue("Content-Type").ifPresent(b::withContentType);
    if (!head && response.body() != null && !response.body().isEmpty()) {
      b.withBody(response.body());
    }
    String request = method + " " + abbreviate(path) + " -> " + response.statusCode();
    if (response.statusCode() == 400
        && response.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
      // Tomcat rejects some paths (an encoded NUL) with its own page before any application code
      // runs; docs/operations.md names this exception
      return;
    }
    if (bare.length() > 1 && bare.endsWith("/")) {
      // the validator would match /api/sagas/ to /api/sagas; the coordinator does not
      undescribed(method, bare, response, request);
      return;
    }
    ValidationReport report = validator().validateResponse(bare, as, b.build());
    List<ValidationReport.Message> errors =
        report.getMessages().stream()
            .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
            .filter(m -> !(head && m.getKey().equals("validation.response.body.missing")))
            .toList();
    if (errors.stream().anyMatch(m -> NOT_DESCRIBED.contains(m.getKey()))) {
      undescribed(method, bare, response, request);
      return;
    }
    if (!errors.isEmpty()) {
      throw new AssertionError(
          "the response breaks docs/openapi.json: "
              + request
              + "\n"
              + errors.stream()
                  .map(m -> "  " + m.getKey() + ": " + m.getMessage())
                  .collect(Collectors.joining("\n"))
              + "\nbody: "
              + abbreviate(response.body()));
    }
  }

  private static void undescribed(
      String method, String path, HttpResponse<String> response, String request) {
    int status = response.statusCode();
    if (status < 400) {
      boolean allowed =
          path.startsWith("/actuator/")
              || method.equalsIgnoreCase("HEAD")
              || method.equalsIgnoreCase("OPTIONS")
              || path.startsWith("/swagger-ui")
              || path.startsWith("/webjars/");
      if (!allowed) {
        throw new AssertionError(
            "a route that docs/openapi.json does not describe answered: " + request);
      }
      return;
    }
    if (method.equalsIgnoreCase("HEAD")) {
      return;
    }
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (!type.startsWith("application/problem+json")) {
      throw new AssertionError("an error that is not a problem (" + type + "): " + request);
    }
    JsonNode body = JSON.readTree(response.body());
    if (!body.path("type").asString("").startsWith(PROBLEM_TYPE_BASE)
        || body.path("title").asString("").isBlank()
        || body.path("status").asInt() != status
        || body.path("detail").asString("").isBlank()) {
      throw new AssertionError(
          "a problem without our type, title, status or detail: "
              + request
              + " "
              + abbreviate(response.body()));
    }
  }

  private static String abbreviate(String s) {
    return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
