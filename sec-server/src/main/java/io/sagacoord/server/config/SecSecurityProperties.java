package io.sagacoord.server.config;

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
 */
@ConfigurationProperties("sec.security")
public record SecSecurityProperties(
    @DefaultValue List<ApiKey> apiKeys,
    @DefaultValue Jwt jwt,
    @DefaultValue("true") boolean generateAdminKey) {

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

    /** Parses a role name case-insensitively; accepts a {@code ROLE_} or {@code sec:} prefix. */
    public static Role parse(String text) {
      String s = text.trim().toUpperCase(Locale.ROOT);
      if (s.startsWith("ROLE_")) {
        s = s.substring(5);
      } else if (s.startsWith("SEC:") || s.startsWith("SEC.")) {
        s = s.substring(4);
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
   * @param sagaTypes for a STARTER: the saga types it may start; empty means all
   */
  public record ApiKey(
      String name,
      String sha256,
      @DefaultValue Set<Role> roles,
      @DefaultValue Set<String> sagaTypes) {
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
      sagaTypes = sagaTypes == null ? Set.of() : Set.copyOf(sagaTypes);
    }
  }

  /**
   * JWT bearer tokens (OAuth2 resource server). Set exactly one key source: {@code issuerUri}
   * (OpenID discovery), {@code jwkSetUri}, or {@code publicKey} (an RSA public key in PEM). Tokens
   * are checked for signature, expiry and not-before (60 s skew), and for the issuer when {@code
   * issuerUri} is set.
   *
   * @param issuerUri issuer URI; default none
   * @param jwkSetUri JWK set URI; default none
   * @param publicKey RSA public key, PEM text ({@code -----BEGIN PUBLIC KEY-----...}); default none
   * @param rolesClaim claim holding the roles (a list or a space-separated string); default {@code
   *     roles}; {@code scope}/{@code scp} values such as {@code sec:operator} are read as well
   * @param sagaTypesClaim claim limiting a starter to some saga types; default {@code saga_types}
   */
  public record Jwt(
      String issuerUri,
      String jwkSetUri,
      String publicKey,
      @DefaultValue("roles") String rolesClaim,
      @DefaultValue("saga_types") String sagaTypesClaim) {

    /** True when a key source is configured. */
    public boolean enabled() {
      return notBlank(issuerUri) || notBlank(jwkSetUri) || notBlank(publicKey);
    }

    private static boolean notBlank(String s) {
      return s != null && !s.isBlank();
    }
  }
}
