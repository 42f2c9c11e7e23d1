package io.sagacoord.bridge;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.RetryLater;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Calls the service for one command and turns its answer into an {@link Outcome}, or into a {@link
 * ServiceCallException} (a technical failure) once the retries are spent or the answer is unusable.
 *
 * <ul>
 *   <li>2xx: success; the body (a JSON object, or empty for {@code {}}) is the reply.
 *   <li>a configured business-failure status (409, 422): business failure; {@code reason} and
 *       {@code code} (or a problem's {@code detail} and {@code type}) of the body, else its text.
 *   <li>5xx, 408, 429, timeouts and connection errors: called again after a back-off with jitter
 *       (or the {@code Retry-After} the service asked for), up to the configured number of calls;
 *       between calls the command waits in the SDK's queue ({@link RetryLater}), not on a thread.
 *   <li>any other status, a 2xx whose body is not a JSON object, a body over the size limit:
 *       technical failure at once, with the reason.
 * </ul>
 */
final class ServiceCaller {
  private static final System.Logger LOG = System.getLogger(ServiceCaller.class.getName());
  private static final int SNIPPET = 300;
  private static final int MAX_REASON = 2000;

  private final BridgeConfig config;
  private final HttpClient client;
  private final ObjectMapper json;
  private final Clock clock;
  private final BridgeMetrics metrics;
  private final Map<String, Progress> inProgress = new ConcurrentHashMap<>();

  ServiceCaller(BridgeConfig config, ObjectMapper json, Clock clock, BridgeMetrics metrics) {
    this.config = config;
    this.json = json;
    this.clock = clock;
    this.metrics = metrics;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(config.http().connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            // plain HTTP/1.1: no h2c upgrade attempt that a small service may mishandle
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** The {@code Idempotency-Key}: one per (saga, step, phase), whatever the attempt. */
  static String idempotencyKey(CommandContext context) {
    return context.sagaId() + ":" + context.step() + ":" + context.phase().wireName();
  }

  /** True when the health endpoint answers 2xx within the request timeout. */
  boolean healthy(URI health) throws InterruptedException {
    Duration timeout = config.http().requestTimeout();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(
            HttpRequest.newBuilder(health).timeout(timeout).GET().build(),
            BoundedBody.handler(config.http().maxBodyBytes()));
    try {
      int status = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
      return status >= 200 && status < 300;
    } catch (TimeoutException | ExecutionException e) {
      exchange.cancel(true);
      return false;
    }
  }

  /**
   * Makes one call for the command. When it fails in a way worth another call and calls are left,
   * throws {@link RetryLater} with the pause ({@code Retry-After} or the back-off): the SDK runs
   * the command again after it without any thread waiting, and the next run makes the next call.
   * The calls made so far are counted per command here, in memory (a restarted bridge starts
   * again).
   */
  Outcome<?> call(CommandContext context, JsonNode payload)
      throws ServiceCallException, RetryLater, InterruptedException {
    BridgeConfig.Http http = config.http();
    URI uri = config.uriOf(context.commandType());
    String key = context.commandId() + "#" + context.attempt();
    Progress progress = inProgress.computeIfAbsent(key, k -> new Progress(clock.instant()));
    int calls = progress.calls.incrementAndGet();
    metrics.calls.incrementAndGet();
    if (calls > 1) {
      metrics.retries.incrementAndGet();
    }
    Answer answer = once(uri, context, json.writeValueAsBytes(payload));
    if (answer.outcome() != null) {
      inProgress.remove(key);
      CrashPoint.reached(CrashPoint.AFTER_CALL_BEFORE_COMMIT);
      return answer.outcome();
    }
    metrics.failedCalls.incrementAndGet();
    String reason = answer.reason();
    if (answer.retryable() && calls < http.maxCalls()) {
      Duration pause =
          answer.retryAfter() != null
              ? min(answer.retryAfter(), http.maxRetryAfter())
              : backoff(calls, http);
      Instant resumeAt = clock.instant().plus(pause);
      if (context.deadline().isEmpty() || !resumeAt.isAfter(context.deadline().get())) {
        LOG.log(
            System.Logger.Level.INFO,
            "saga {0} step {1} {2}: call {3} of {4} to {5} failed ({6}); next call in {7} ms",
            context.sagaId(),
            context.step(),
            context.phase().wireName(),
            calls,
            http.maxCalls(),
            uri,
            reason,
            pause.toMillis());
        forgetAbandoned();
        throw new RetryLater(pause, reason);
      }
      reason =
          reason
              + "; no further call: the saga deadline "
              + context.deadline().get()
              + " comes first";
    }
    inProgress.remove(key);
    String text = reason + " (POST " + uri + ", " + calls + (calls == 1 ? " call)" : " calls)");
    LOG.log(
        System.Logger.Level.WARNING,
        "saga {0} step {1} {2}: technical failure: {3}",
        context.sagaId(),
        context.step(),
        context.phase().wireName(),
        text);
    throw new ServiceCallException(
        text.length() > MAX_REASON ? text.substring(0, MAX_REASON) : text);
  }

  /** The calls made for one command (id and attempt) that is not answered yet. */
  private static final class Progress {
    final Instant since;
    final AtomicInteger calls = new AtomicInteger();

    Progress(Instant since) {
      this.since = since;
    }
  }

  /**
   * Forgets commands deferred long ago that never came back (their partition moved to another
   * bridge, or the bridge is stopping): a day is far beyond any retry budget.
   */
  private void forgetAbandoned() {
    if (inProgress.size() > 1000) {
      Instant before = clock.instant().minus(Duration.ofDays(1));
      inProgress.values().removeIf(p -> p.since.isBefore(before));
    }
  }

  /** One call's result: an outcome, or a failure that may be retried. */
  private record Answer(Outcome<?> outcome, String reason, boolean retryable, Duration retryAfter) {
    static Answer of(Outcome<?> outcome) {
      return new Answer(outcome, null, false, null);
    }

    static Answer retry(String reason, Duration retryAfter) {
      return new Answer(null, reason, true, retryAfter);
    }

    static Answer fail(String reason) {
      return new Answer(null, reason, false, null);
    }
  }

  private Answer once(URI uri, CommandContext context, byte[] body) throws InterruptedException {
    Duration timeout = config.http().requestTimeout();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header(BridgeHeaders.IDEMPOTENCY_KEY, idempotencyKey(context))
            .header(BridgeHeaders.SAGA_ID, context.sagaId().toString())
            .header(BridgeHeaders.SAGA_TYPE, context.sagaType())
            .header(BridgeHeaders.STEP, context.step())
            .header(BridgeHeaders.PHASE, context.phase().wireName())
            .header(BridgeHeaders.ATTEMPT, Integer.toString(context.attempt()))
            .header(BridgeHeaders.COMMAND_ID, context.commandId())
            .header(BridgeHeaders.COMMAND_TYPE, context.commandType())
            .header(BridgeHeaders.PARTICIPANT, config.participant())
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    BridgeTracing.traceparent()
        .ifPresent(value -> request.header(BridgeHeaders.TRACEPARENT, value));
    context
        .deadline()
        .ifPresent(
            deadline ->
                request.header(BridgeHeaders.DEADLINE, Long.toString(deadline.toEpochMilli())));
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request.build(), BoundedBody.handler(config.http().maxBodyBytes()));
    HttpResponse<byte[]> response;
    try {
      // the request timeout covers the wait for the headers only: this bounds the body too
      response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      return Answer.retry("no complete answer within " + timeout, null);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      return failureOf(e.getCause(), timeout);
    }
    return interpret(response);
  }

  private Answer failureOf(Throwable cause, Duration timeout) {
    Throwable root = cause;
    while (root instanceof IOException && root.getCause() instanceof BoundedBody.TooLarge) {
      root = root.getCause();
    }
    if (root instanceof BoundedBody.TooLarge) {
      return Answer.fail(
          "the service's answer body is larger than "
              + config.http().maxBodyBytes()
              + " bytes (bridge.http.max-body-bytes)");
    }
    if (root instanceof HttpConnectTimeoutException) {
      return Answer.retry(
          "could not connect within " + config.http().connectTimeout() + ": service down?", null);
    }
    if (root instanceof HttpTimeoutException) {
      return Answer.retry("no answer within " + timeout, null);
    }
    if (root instanceof ConnectException) {
      return Answer.retry("could not connect to the service (" + describe(root) + ")", null);
    }
    return Answer.retry("the call failed: " + describe(root), null);
  }

  private Answer interpret(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    byte[] body = response.body();
    if (status >= 200 && status < 300) {
      return success(status, response.headers(), body);
    }
    if (config.http().businessFailureStatuses().contains(status)) {
      return Answer.of(businessFailure(status, body));
    }
    if (status >= 500 || status == 408 || status == 429) {
      return Answer.retry(
          "the service answered HTTP " + status + snippet(body), retryAfter(response.headers()));
    }
    return Answer.fail("the service answered HTTP " + status + snippet(body));
  }

  private Answer success(int status, HttpHeaders headers, byte[] body) {
    if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
      return Answer.of(Outcome.success(json.createObjectNode()));
    }
    String contentType = headers.firstValue("Content-Type").orElse("");
    if (!contentType.isEmpty() && !isJson(contentType)) {
      return Answer.fail(
          "the service answered HTTP "
              + status
              + " with Content-Type "
              + contentType
              + " instead of application/json"
              + snippet(body));
    }
    JsonNode reply;
    try {
      reply = json.readTree(body);
    } catch (JacksonException e) {
      return Answer.fail(
          "the service answered HTTP " + status + " with a body that is not JSON" + snippet(body));
    }
    if (reply == null || !reply.isObject()) {
      return Answer.fail(
          "the service answered HTTP "
              + status
              + " with a body that is not a JSON object"
              + snippet(body));
    }
    return Answer.of(Outcome.success(reply));
  }

  private Outcome<?> businessFailure(int status, byte[] body) {
    String reason = null;
    String code = null;
    try {
      JsonNode node = body.length == 0 ? null : json.readTree(body);
      if (node != null && node.isObject()) {
        reason = text(node, "reason");
        if (reason == null) {
          reason = text(node, "detail");
        }
        if (reason == null) {
          reason = text(node, "title");
        }
        code = text(node, "code");
        if (code == null) {
          code = text(node, "type");
        }
      }
    } catch (JacksonException e) {
      // not JSON: the text itself is the reason
    }
    if (reason == null) {
      String text = clean(new String(body, StandardCharsets.UTF_8));
      reason = text.isBlank() ? "the service answered HTTP " + status : text;
    }
    if (reason.length() > MAX_REASON) {
      reason = reason.substring(0, MAX_REASON);
    }
    return Outcome.businessFailure(reason, code != null ? code : "HTTP_" + status);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isString() && !value.asString().isBlank()
        ? value.asString()
        : null;
  }

  private static boolean isJson(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
    return type.equals("application/json") || type.endsWith("+json");
  }

  /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
  private Duration retryAfter(HttpHeaders headers) {
    String value = headers.firstValue("Retry-After").orElse(null);
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at =
            ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(clock.instant(), at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** Doubling back-off with jitter: a pause between half and all of the doubled value. */
  static Duration backoff(int failedCalls, BridgeConfig.Http http) {
    long base = http.initialBackoff().toMillis();
    for (int i = 1; i < failedCalls && base < http.maxBackoff().toMillis(); i++) {
      base *= 2;
    }
    base = Math.min(base, http.maxBackoff().toMillis());
    long half = base / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(base - half + 1));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String snippet(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    String text =
        clean(new String(body, 0, Math.min(body.length, SNIPPET * 4), StandardCharsets.UTF_8));
    return ": " + (text.length() > SNIPPET ? text.substring(0, SNIPPET) + "..." : text);
  }

  private static String clean(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
