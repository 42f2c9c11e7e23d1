package io.sagacoord.bridge;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * What a bridge needs to know: whom it stands for, where the service listens, which command types
 * it takes, its own database and how it talks HTTP.
 *
 * @param participant the participant name (as in the saga definition), e.g. {@code car-service}
 * @param baseUrl the service's base URL; commands go to {@code POST {baseUrl}/saga/{commandType}}
 * @param commandTopic the command topic, or null for {@code saga.<participant>.commands}
 * @param kafka Kafka client settings, at least {@code bootstrap.servers}
 * @param jdbcUrl the bridge's own database (the inbox lives there)
 * @param jdbcUser database user
 * @param jdbcPassword database password (may be empty)
 * @param forwardTypes command types of forward steps
 * @param compensationTypes command types of compensations
 * @param paths a path per command type where it differs from {@code /saga/{commandType}}
 * @param http how the service is called
 * @param healthPath the service's health endpoint (e.g. {@code /health}), or null: when set, the
 *     bridge announces the participant only while {@code GET {baseUrl}{healthPath}} answers 2xx
 * @param announceInterval how often the participant is announced on the registry topic
 */
public record BridgeConfig(
    String participant,
    URI baseUrl,
    String commandTopic,
    Map<String, Object> kafka,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    List<String> forwardTypes,
    List<String> compensationTypes,
    Map<String, String> paths,
    Http http,
    String healthPath,
    Duration announceInterval) {

  /** Property prefix of every setting. */
  public static final String PREFIX = "bridge.";

  public BridgeConfig {
    requireText(participant, "bridge.participant");
    Objects.requireNonNull(baseUrl, "bridge.service.base-url is required");
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException(
          "bridge.service.base-url must be an http or https URL, was " + baseUrl);
    }
    kafka = Map.copyOf(kafka);
    if (kafka.get("bootstrap.servers") == null) {
      throw new IllegalArgumentException("bridge.kafka.bootstrap.servers is required");
    }
    forwardTypes = List.copyOf(forwardTypes);
    compensationTypes = List.copyOf(compensationTypes);
    if (forwardTypes.isEmpty() && compensationTypes.isEmpty()) {
      throw new IllegalArgumentException(
          "at least one command type is required (bridge.commands.forward,"
              + " bridge.commands.compensate)");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String type : concat(forwardTypes, compensationTypes)) {
      if (!seen.add(type)) {
        throw new IllegalArgumentException("command type '" + type + "' is configured twice");
      }
    }
    paths = Map.copyOf(paths);
    for (Map.Entry<String, String> path : paths.entrySet()) {
      if (!seen.contains(path.getKey())) {
        throw new IllegalArgumentException(
            "bridge.path." + path.getKey() + " names a command type that is not configured");
      }
      if (!path.getValue().startsWith("/")) {
        throw new IllegalArgumentException(
            "bridge.path." + path.getKey() + " must start with '/', was " + path.getValue());
      }
    }
    jdbcPassword = jdbcPassword == null ? "" : jdbcPassword;
    Objects.requireNonNull(http, "http");
    if (healthPath != null && !healthPath.startsWith("/")) {
      throw new IllegalArgumentException(
          "bridge.service.health-path must start with '/', was " + healthPath);
    }
    requirePositive(announceInterval, "bridge.announce-interval");
  }

  /** Default announce interval, as for any participant. */
  public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofSeconds(30);

  /** The health endpoint's URI, when one is configured. */
  public URI healthUri() {
    return healthPath == null ? null : URI.create(base() + healthPath);
  }

  private String base() {
    String base = baseUrl.toString();
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /** The URI a command type is posted to. */
  public URI uriOf(String commandType) {
    return URI.create(base() + paths.getOrDefault(commandType, "/saga/" + commandType));
  }

  /**
   * How the bridge calls the service.
   *
   * @param connectTimeout the longest wait for a connection
   * @param requestTimeout the longest wait for a complete answer (headers and body) to one call
   * @param maxBodyBytes the largest answer body read; a longer one is a technical failure
   * @param maxCalls the most calls for one command (1 = no retry) on 5xx, 408, 429, timeouts and
   *     connection errors
   * @param initialBackoff the pause after the first failed call, doubled after each further one
   * @param maxBackoff the longest pause
   * @param maxRetryAfter the longest {@code Retry-After} honoured; a longer one is cut to this
   * @param businessFailureStatuses the statuses that mean a business failure
   */
  public record Http(
      Duration connectTimeout,
      Duration requestTimeout,
      long maxBodyBytes,
      int maxCalls,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration maxRetryAfter,
      Set<Integer> businessFailureStatuses) {

    /** 2 s connect, 10 s per call, 1 MiB, 4 calls 200 ms .. 5 s apart, 409 and 422. */
    public static final Http DEFAULT =
        new Http(
            Duration.ofSeconds(2),
            Duration.ofSeconds(10),
            1024 * 1024,
            4,
            Duration.ofMillis(200),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Set.of(409, 422));

    public Http {
      requirePositive(connectTimeout, "bridge.http.connect-timeout");
      requirePositive(requestTimeout, "bridge.http.request-timeout");
      requirePositive(initialBackoff, "bridge.http.initial-backoff");
      requirePositive(maxBackoff, "bridge.http.max-backoff");
      requirePositive(maxRetryAfter, "bridge.http.max-retry-after");
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "bridge.http.max-backoff must be at least bridge.http.initial-backoff");
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("bridge.http.max-body-bytes must be positive");
      }
      if (maxCalls < 1) {
        throw new IllegalArgumentException("bridge.http.max-calls must be at least 1");
      }
      businessFailureStatuses = Set.copyOf(businessFailureStatuses);
      for (int status : businessFailureStatuses) {
        if (status < 400 || status > 499) {
          throw new IllegalArgumentException(
              "bridge.http.business-failure-statuses must be 4xx statuses, was " + status);
        }
      }
    }
  }

  /**
   * Reads the settings from properties (keys in {@code docs/bridge.md}); every key can also be
   * given as an environment variable in {@code env}: upper case, dots and dashes as underscores
   * ({@code bridge.service.base-url} = {@code BRIDGE_SERVICE_BASE_URL}), which wins over the
   * properties.
   */
  public static BridgeConfig from(Properties properties, Map<String, String> env) {
    Settings s = new Settings(properties, env);
    Map<String, Object> kafka = new LinkedHashMap<>();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith(PREFIX + "kafka.")) {
        kafka.put(key.substring((PREFIX + "kafka.").length()), s.get(key, null));
      }
    }
    String bootstrap = s.get("bridge.kafka.bootstrap.servers", null);
    if (bootstrap != null) {
      kafka.put("bootstrap.servers", bootstrap);
    }
    Map<String, String> paths = new LinkedHashMap<>();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith(PREFIX + "path.")) {
        paths.put(key.substring((PREFIX + "path.").length()), s.get(key, null));
      }
    }
    Http d = Http.DEFAULT;
    Http http =
        new Http(
            s.duration("bridge.http.connect-timeout", d.connectTimeout()),
            s.duration("bridge.http.request-timeout", d.requestTimeout()),
            Long.parseLong(
                s.get("bridge.http.max-body-bytes", Long.toString(d.maxBodyBytes())).trim()),
            Integer.parseInt(s.get("bridge.http.max-calls", Integer.toString(d.maxCalls())).trim()),
            s.duration("bridge.http.initial-backoff", d.initialBackoff()),
            s.duration("bridge.http.max-backoff", d.maxBackoff()),
            s.duration("bridge.http.max-retry-after", d.maxRetryAfter()),
            statuses(s.get("bridge.http.business-failure-statuses", null), d));
    String base = s.get("bridge.service.base-url", null);
    return new BridgeConfig(
        s.get("bridge.participant", null),
        base == null ? null : URI.create(base.trim()),
        s.get("bridge.command-topic", null),
        kafka,
        requireText(s.get("bridge.db.url", null), "bridge.db.url"),
        s.get("bridge.db.user", null),
        s.get("bridge.db.password", ""),
        list(s.get("bridge.commands.forward", "")),
        list(s.get("bridge.commands.compensate", "")),
        paths,
        http,
        s.get("bridge.service.health-path", null),
        s.duration("bridge.announce-interval", DEFAULT_ANNOUNCE_INTERVAL));
  }

  private static Set<Integer> statuses(String text, Http defaults) {
    if (text == null) {
      return defaults.businessFailureStatuses();
    }
    Set<Integer> statuses = new LinkedHashSet<>();
    for (String part : list(text)) {
      statuses.add(Integer.parseInt(part));
    }
    return statuses;
  }

  private static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        items.add(part.trim());
      }
    }
    return items;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String requireText(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " is required");
    }
    return value;
  }

  private static void requirePositive(Duration value, String key) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, was " + value);
    }
  }

  /** Properties with environment overrides. */
  private record Settings(Properties properties, Map<String, String> env) {
    String get(String key, String fallback) {
      String fromEnv = env.get(key.toUpperCase(java.util.Locale.ROOT).replaceAll("[.-]", "_"));
      if (fromEnv != null) {
        return fromEnv;
      }
      return properties.getProperty(key, fallback);
    }

    Duration duration(String key, Duration fallback) {
      String text = get(key, null);
      if (text == null) {
        return fallback;
      }
      try {
        return Duration.parse(text.trim());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            key + " must be an ISO-8601 duration such as PT10S, was " + text, e);
      }
    }
  }
}
