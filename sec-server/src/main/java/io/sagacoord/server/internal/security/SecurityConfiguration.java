package io.sagacoord.server.internal.security;

import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.config.SecSecurityProperties;
import io.sagacoord.server.config.SecSecurityProperties.ApiKey;
import io.sagacoord.server.config.SecSecurityProperties.Role;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Security of the REST API: API keys ({@code X-API-Key}) and JWT bearer tokens, roles per path for
 * every HTTP method, RFC 9457 problems for 401, 403 and 429, the throttle of failed credential
 * attempts, health details for readers only, and the body size limit. See {@link
 * SecSecurityProperties}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties({SecSecurityProperties.class, SecApiProperties.class})
public class SecurityConfiguration {

  private static final Log log = LogFactory.getLog(SecurityConfiguration.class);

  private static final String[] READERS = {"VIEWER", "OPERATOR", "ADMIN"};
  private static final String[] OPERATORS = {"OPERATOR", "ADMIN"};
  private static final String[] STARTERS = {"STARTER", "ADMIN"};

  @Bean
  public ApiKeys apiKeys(SecSecurityProperties properties) {
    List<ApiKey> keys = new ArrayList<>(properties.apiKeys());
    if (keys.isEmpty() && !properties.jwt().enabled() && properties.generateAdminKey()) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String key = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      keys.add(new ApiKey("generated-admin", ApiKeys.sha256Hex(key), Set.of(Role.ADMIN), null));
      log.warn(
          "No API keys and no JWT issuer are configured (sec.security.*). Generated an ADMIN API"
              + " key for this run; send it as header X-API-Key: "
              + key);
    }
    return new ApiKeys(keys);
  }

  /**
   * No observation of Spring Security's filters, authentications and authorizations: they would
   * wrap every filter of every request in an observation of its own, while the HTTP server
   * observation and the coordinator's own meters and spans already cover what an operator reads.
   */
  @Bean
  public static SecurityObservationSettings securityObservationSettings() {
    return SecurityObservationSettings.noObservations();
  }

  /**
   * Spring Security's strict firewall with its own rules, except that header names and values are
   * checked by {@link HeaderCharacters} (the same characters as its regular expressions, at a
   * fraction of the cost for the several headers every request reads).
   */
  @Bean
  public StrictHttpFirewall httpFirewall() {
    StrictHttpFirewall firewall = new StrictHttpFirewall();
    firewall.setAllowedHeaderNames(HeaderCharacters::allowedName);
    firewall.setAllowedHeaderValues(HeaderCharacters::allowedValue);
    return firewall;
  }

  @Bean
  public CredentialThrottle credentialThrottle(SecSecurityProperties properties, Clock clock) {
    return new CredentialThrottle(properties.throttle(), clock);
  }

  @Bean
  public BearerTokens bearerTokens(SecSecurityProperties properties) {
    return properties.jwt().enabled()
        ? new BearerTokens(jwtDecoder(properties.jwt()), properties.jwt())
        : new BearerTokens(null, properties.jwt());
  }

  /**
   * {@code /actuator/health} answers everyone with the status; a valid credential with a reading
   * role also sees the details. Credentials that do not authenticate are ignored here (a probe with
   * a stale key still gets the status) but count towards the throttle.
   */
  @Bean
  @Order(1)
  public SecurityFilterChain healthSecurity(
      HttpSecurity http, ApiKeys apiKeys, BearerTokens bearer, CredentialThrottle throttle)
      throws Exception {
    stateless(http)
        .securityMatcher("/actuator/health", "/actuator/health/**")
        .addFilterBefore(
            new HealthCallerFilter(
                apiKeys, bearer.decoder(), jwt -> convert(jwt, bearer.settings()), throttle),
            BasicAuthenticationFilter.class)
        .authorizeHttpRequests(a -> a.anyRequest().permitAll());
    return http.build();
  }

  /**
   * Every other request. Rules go by path for every HTTP method (HEAD, OPTIONS and any other method
   * need the same role as the path's GET or POST), so no method slips past a role check.
   */
  @Bean
  @Order(2)
  public SecurityFilterChain apiSecurity(
      HttpSecurity http,
      ApiKeys apiKeys,
      SecSecurityProperties properties,
      SecApiProperties api,
      BearerTokens bearer,
      CredentialThrottle throttle)
      throws Exception {
    ProblemEntryPoint entryPoint = new ProblemEntryPoint(properties.jwt().enabled(), throttle);
    stateless(http)
        .exceptionHandling(
            e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(new ProblemDenied()))
        .addFilterBefore(new ThrottleFilter(throttle), BearerTokenAuthenticationFilter.class)
        .addFilterBefore(new ApiKeyFilter(apiKeys, entryPoint), BasicAuthenticationFilter.class)
        .addFilterAfter(ThrottleFilter.marker(), BasicAuthenticationFilter.class)
        .addFilterAfter(
            BodySizeLimitFilter.afterAuthorization(api.maxBodySize().toBytes()),
            AuthorizationFilter.class)
        .authorizeHttpRequests(
            a ->
                // an ASYNC dispatch only writes the answer of a request authorized before
                // (long-poll)
                a.dispatcherTypeMatchers(
                        jakarta.servlet.DispatcherType.ERROR, jakarta.servlet.DispatcherType.ASYNC)
                    .permitAll()
                    // the API's document and Swagger UI's static page: a browser cannot send
                    // X-API-Key for a page; the person authorizes inside it
                    .requestMatchers(
                        HttpMethod.GET,
                        "/v3/api-docs",
                        "/swagger-ui.html",
                        "/swagger-ui",
                        "/swagger-ui/**",
                        "/webjars/swagger-ui/**")
                    .permitAll()
                    .requestMatchers("/api/sagas/*/actions/*", "/api/quarantine/*/redeliver")
                    .hasAnyRole(OPERATORS)
                    .requestMatchers(HttpMethod.POST, "/api/sagas/*")
                    .hasAnyRole(STARTERS)
                    .requestMatchers("/api/**", "/actuator/**")
                    .hasAnyRole(READERS)
                    .anyRequest()
                    .authenticated());
    if (bearer.decoder() != null) {
      http.oauth2ResourceServer(
          o ->
              o.authenticationEntryPoint(entryPoint)
                  .accessDeniedHandler(new ProblemDenied())
                  .jwt(
                      j ->
                          j.decoder(bearer.decoder())
                              .jwtAuthenticationConverter(jwt -> convert(jwt, bearer.settings()))));
    }
    return http.build();
  }

  private static HttpSecurity stateless(HttpSecurity http) throws Exception {
    return http.csrf(c -> c.disable())
        .httpBasic(b -> b.disable())
        .formLogin(f -> f.disable())
        .logout(l -> l.disable())
        .requestCache(r -> r.disable())
        .anonymous(a -> a.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
  }

  /**
   * Before the security filters, so a body declared larger than the limit is refused without being
   * read; a chunked body is checked after authorization ({@link BodySizeLimitFilter}).
   */
  @Bean
  public FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(
      SecApiProperties properties) {
    FilterRegistrationBean<BodySizeLimitFilter> registration =
        new FilterRegistrationBean<>(
            BodySizeLimitFilter.byDeclaredLength(properties.maxBodySize().toBytes()));
    registration.setOrder(-200);
    registration.addUrlPatterns("/*");
    return registration;
  }

  /**
   * Signature (by the configured key source), {@code exp} and {@code sub} present, expiry and
   * not-before, and in every mode the issuer and audience when configured.
   */
  static JwtDecoder jwtDecoder(SecSecurityProperties.Jwt jwt) {
    NimbusJwtDecoder decoder;
    if (notBlank(jwt.issuerUri())) {
      decoder = NimbusJwtDecoder.withIssuerLocation(jwt.issuerUri()).build();
    } else if (notBlank(jwt.jwkSetUri())) {
      decoder = NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).build();
    } else {
      decoder = NimbusJwtDecoder.withPublicKey(parsePublicKey(jwt.publicKey())).build();
    }
    decoder.setJwtValidator(validator(jwt));
    return decoder;
  }

  static OAuth2TokenValidator<Jwt> validator(SecSecurityProperties.Jwt jwt) {
    List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
    validators.add(new JwtTimestampValidator());
    validators.add(new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull));
    validators.add(
        new JwtClaimValidator<Object>(
            JwtClaimNames.SUB, sub -> sub instanceof String s && !s.isBlank()));
    if (jwt.requiredIssuer() != null) {
      validators.add(new JwtIssuerValidator(jwt.requiredIssuer()));
    }
    if (!jwt.audiences().isEmpty()) {
      Set<String> accepted = Set.copyOf(jwt.audiences());
      validators.add(
          new JwtClaimValidator<Object>(
              JwtClaimNames.AUD,
              aud -> aud != null && values(aud).stream().anyMatch(accepted::contains)));
    }
    return new DelegatingOAuth2TokenValidator<>(validators);
  }

  static RSAPublicKey parsePublicKey(String pem) {
    try {
      String base64 =
          pem.replaceAll("-----BEGIN [A-Z ]+-----", "")
              .replaceAll("-----END [A-Z ]+-----", "")
              .replaceAll("\\s", "");
      byte[] der = Base64.getDecoder().decode(base64);
      return (RSAPublicKey)
          KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "sec.security.jwt.public-key is not an RSA public key in PEM (X.509) form", e);
    }
  }

  /**
   * Roles from the roles claim, and from {@code scope}/{@code scp} values that carry the configured
   * prefix (a bare scope word such as {@code admin} grants nothing); saga types from the saga-types
   * claim (present but empty: no type).
   */
  public static AbstractAuthenticationToken convert(Jwt jwt, SecSecurityProperties.Jwt settings) {
    List<String> roleNames = new ArrayList<>(values(jwt.getClaim(settings.rolesClaim())));
    String prefix = settings.scopePrefix();
    if (notBlank(prefix)) {
      for (String claim : List.of("scope", "scp")) {
        for (String scope : values(jwt.getClaim(claim))) {
          if (scope.regionMatches(true, 0, prefix, 0, prefix.length())) {
            roleNames.add(scope.substring(prefix.length()));
          }
        }
      }
    }
    List<GrantedAuthority> authorities = new ArrayList<>();
    for (String name : roleNames) {
      try {
        String authority = "ROLE_" + Role.parse(name).name();
        if (authorities.stream().noneMatch(a -> a.getAuthority().equals(authority))) {
          authorities.add(new SimpleGrantedAuthority(authority));
        }
      } catch (IllegalArgumentException e) {
        // other roles are not ours
      }
    }
    if (jwt.hasClaim(settings.sagaTypesClaim())) {
      authorities.add(new SimpleGrantedAuthority(Callers.SAGA_TYPES_LIMITED));
      for (String type : values(jwt.getClaim(settings.sagaTypesClaim()))) {
        authorities.add(new SimpleGrantedAuthority(Callers.SAGA_TYPE_PREFIX + type));
      }
    }
    return new JwtAuthenticationToken(jwt, authorities, "jwt:" + jwt.getSubject());
  }

  /** A configured JWT decoder (null when JWTs are off) and the claim settings. */
  public record BearerTokens(JwtDecoder decoder, SecSecurityProperties.Jwt settings) {}

  private static List<String> values(Object claim) {
    List<String> out = new ArrayList<>();
    if (claim instanceof Collection<?> c) {
      c.forEach(v -> out.add(String.valueOf(v)));
    } else if (claim instanceof String s) {
      for (String part : s.split("[\\s,]+")) {
        if (!part.isBlank()) {
          out.add(part);
        }
      }
    }
    return out;
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
