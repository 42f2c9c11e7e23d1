package io.sagacoord.server.config;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Authentication of the REST API, under the prefix {@code sec.security}. Every endpoint but {@code
 * /actuator/health} needs credentials: a static API key (header {@code X-API-Key}) or a JWT bearer
 * token. When neither API keys nor a JWT key source is configured, a random ADMIN key is generated
 * at start-up and logged once (turn that off with {@code generate-admin-key=false}: then nothing
 * but health is reachable). See {@code docs/operations.md}.
 *
 * @param apiKeys static API keys, stored as SHA-256 hashes; default none
 * @param jwt JWT bearer settings; default off
 * @param generateAdminKey generate and log an ADMIN key when nothing is configured; default true
 * @param throttle throttling of failed credential attempts per remote address
 */
@ConfigurationProperties("sec.security")
public record SecSecurityProperties(
    @DefaultValue List<ApiKey> apiKeys,
    @DefaultValue Jwt jwt,
    @DefaultValue("true") boolean generateAdminKey,
    @DefaultValue Throttle throttle) {

  /** The roles of the API. ADMIN may do everything. */
  public enum Role {
    /** Reads sagas, log, definitions, participants, statistics, quarantine. */
    VIEWER,
    /** Operator actions and redelivery, plus everything a viewer may do. */
    OPERATOR,
    /** Starts sagas (of the allowed types, or of all when none are listed). */
    STARTER,
    /** Everything. */
    ADMIN;

    /** Parses a role name case-insensitively; accepts a {@code ROLE_} prefix. */
    public static Role parse(String text) {
      String s = text.trim().toUpperCase(Locale.ROOT);
      if (s.startsWith("ROLE_")) {
        s = s.substring(5);
      }
      return Role.valueOf(s);
    }
  }

  /**
   * A static API key. The key itself is never configured, only its SHA-256 hash (64 hex digits,
   * e.g. {@code printf %s "$KEY" | sha256sum}).
   *
   * @param name who holds the key; recorded as the actor of operator actions
   * @param sha256 hex SHA-256 of the key
   * @param roles roles of the key
   * @param sagaTypes for a STARTER: the saga types it may start; absent ({@code null}) means all,
   *     an empty list means none
   */
  public record ApiKey(
      String name, String sha256, @DefaultValue Set<Role> roles, Set<String> sagaTypes) {
    public ApiKey {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("sec.security.api-keys[].name must not be blank");
      }
      if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException(
            "sec.security.api-keys["
                + name
                + "].sha256 must be 64 hex digits (SHA-256 of the key)");
      }
      if (roles == null || roles.isEmpty()) {
        throw new IllegalArgumentException(
            "sec.security.api-keys[" + name + "].roles must name at least one role");
      }
      sha256 = sha256.toLowerCase(Locale.ROOT);
      roles = Set.copyOf(roles);
      sagaTypes = sagaTypes == null ? null : nonBlank(sagaTypes);
    }

    /** True when the key names the saga types it may start (possibly none). */
    public boolean limitsSagaTypes() {
      return sagaTypes != null;
    }

    private static Set<String> nonBlank(Set<String> types) {
      Set<String> out = new LinkedHashSet<>();
      for (String type : types) {
        if (type != null && !type.isBlank()) {
          out.add(type.trim());
        }
      }
      return Set.copyOf(out);
    }
  }

  /**
   * JWT bearer tokens (OAuth2 resource server). Set exactly one key source: {@code issuerUri}
   * (OpenID discovery), {@code jwkSetUri}, or {@code publicKey} (an RSA public key in PEM). Every
   * token must be signed by the key source and carry {@code exp} and {@code sub}; expiry and
   * not-before are checked with 60 s skew. In every mode the {@code iss} claim must equal {@code
   * issuer} (or {@code issuerUri} when {@code issuer} is not set) and, when {@code audiences} is
   * not empty, the {@code aud} claim must name one of them.
   *
   * @param issuerUri issuer URI; default none
   * @param jwkSetUri JWK set URI; default none
   * @param publicKey RSA public key, PEM text ({@code -----BEGIN PUBLIC KEY-----...}); default none
   * @param issuer required value of the {@code iss} claim; default none ({@code issuerUri} when
   *     set)
   * @param audiences accepted values of the {@code aud} claim; default none (not checked)
   * @param rolesClaim claim holding the roles (a list or a space-separated string); default {@code
   *     roles}
   * @param scopePrefix a {@code scope}/{@code scp} value with this prefix names a role (e.g. {@code
   *     sec:operator}); other scopes never grant a role; blank: scopes grant no role; default
   *     {@code sec:}
   * @param sagaTypesClaim claim limiting a starter to some saga types (absent: all, empty: none);
   *     default {@code saga_types}
   */
  public record Jwt(
      String issuerUri,
      String jwkSetUri,
      String publicKey,
      String issuer,
      @DefaultValue List<String> audiences,
      @DefaultValue("roles") String rolesClaim,
      @DefaultValue("sec:") String scopePrefix,
      @DefaultValue("saga_types") String sagaTypesClaim) {

    public Jwt {
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
    }

    /** The issuer a token must name, or null when none is configured. */
    public String requiredIssuer() {
      if (notBlank(issuer)) {
        return issuer;
      }
      return notBlank(issuerUri) ? issuerUri : null;
    }

    /** True when a key source is configured. */
    public boolean enabled() {
      return notBlank(issuerUri) || notBlank(jwkSetUri) || notBlank(publicKey);
    }

    private static boolean notBlank(String s) {
      return s != null && !s.isBlank();
    }
  }

  /**
   * Failed credential attempts (a wrong API key, an invalid token) are counted per remote address
   * in a fixed window. From {@code maxFailures} failures on, until the window ends, a request from
   * that address whose credential has not authenticated there before gets 429 with {@code
   * Retry-After}, without being checked. Credentials that authenticated from the address go on
   * working; other addresses are not affected.
   *
   * @param maxFailures failures per address and window before refusing; default 20
   * @param window length of the counting window; default 1m
   * @param maxAddresses addresses tracked at once (the oldest are dropped); default 10000
   */
  public record Throttle(
      @DefaultValue("20") int maxFailures,
      @DefaultValue("1m") Duration window,
      @DefaultValue("10000") int maxAddresses) {
    public Throttle {
      if (maxFailures <= 0) {
        throw new IllegalArgumentException("sec.security.throttle.max-failures must be positive");
      }
      if (window == null || window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("sec.security.throttle.window must be positive");
      }
      if (maxAddresses <= 0) {
        throw new IllegalArgumentException("sec.security.throttle.max-addresses must be positive");
      }
    }
  }
}
