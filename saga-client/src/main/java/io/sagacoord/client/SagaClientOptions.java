package io.sagacoord.client;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settings of a {@link SagaClient}, immutable; build with {@link #newBuilder(URI)}, change a
 * copy with {@link #toBuilder()}.
 *
 * <p>Defaults: no credentials, connect timeout 5 s, request timeout 30 s (a long-poll adds its wait
 * to it), a plain Jackson 3 {@link JsonMapper}.
 */
public final class SagaClientOptions {
  private final URI baseUri;
  private final String apiKey;
  private final String bearerToken;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final ObjectMapper jsonMapper;

  private SagaClientOptions(Builder b) {
    this.baseUri = b.baseUri;
    this.apiKey = b.apiKey;
    this.bearerToken = b.bearerToken;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.jsonMapper = b.jsonMapper;
  }

  /** A builder for a coordinator at {@code baseUri}, e.g. {@code http://localhost:8080}. */
  public static Builder newBuilder(URI baseUri) {
    return new Builder(baseUri);
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder(baseUri);
    b.apiKey = apiKey;
    b.bearerToken = bearerToken;
    b.connectTimeout = connectTimeout;
    b.requestTimeout = requestTimeout;
    b.jsonMapper = jsonMapper;
    return b;
  }

  public URI baseUri() {
    return baseUri;
  }

  /** The API key sent as {@code X-API-Key}, or null. */
  public String apiKey() {
    return apiKey;
  }

  /** The token sent as {@code Authorization: Bearer ...}, or null. */
  public String bearerToken() {
    return bearerToken;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  public ObjectMapper jsonMapper() {
    return jsonMapper;
  }

  @Override
  public String toString() {
    // credentials stay out of logs
    return "SagaClientOptions[baseUri="
        + baseUri
        + ", auth="
        + (apiKey != null ? "api-key" : bearerToken != null ? "bearer" : "none")
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + "]";
  }

  /** Checks each value at once; {@link #build()} checks that at most one credential is set. */
  public static final class Builder {
    private final URI baseUri;
    private String apiKey;
    private String bearerToken;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private ObjectMapper jsonMapper = JsonMapper.builder().build();

    private Builder(URI baseUri) {
      Objects.requireNonNull(baseUri, "baseUri must not be null");
      if (!"http".equals(baseUri.getScheme()) && !"https".equals(baseUri.getScheme())) {
        throw new IllegalArgumentException("baseUri must be an http or https URI, was " + baseUri);
      }
      String text = baseUri.toString();
      this.baseUri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    }

    /** Authenticates with an API key ({@code X-API-Key}). */
    public Builder apiKey(String key) {
      this.apiKey = requireText(key, "apiKey");
      return this;
    }

    /** Authenticates with a bearer token (a JWT). */
    public Builder bearerToken(String token) {
      this.bearerToken = requireText(token, "bearerToken");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = requirePositive(timeout, "connectTimeout");
      return this;
    }

    /** How long a request may take, beyond the wait of a long-poll. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = requirePositive(timeout, "requestTimeout");
      return this;
    }

    /** The mapper for saga data and answers (register your modules on it). */
    public Builder jsonMapper(ObjectMapper mapper) {
      this.jsonMapper = Objects.requireNonNull(mapper, "jsonMapper must not be null");
      return this;
    }

    public SagaClientOptions build() {
      if (apiKey != null && bearerToken != null) {
        throw new IllegalStateException("set either apiKey or bearerToken, not both");
      }
      return new SagaClientOptions(this);
    }

    private static String requireText(String value, String field) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(field + " must not be blank");
      }
      return value;
    }

    private static Duration requirePositive(Duration value, String field) {
      Objects.requireNonNull(value, field + " must not be null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(field + " must be positive, was " + value);
      }
      return value;
    }
  }
}
