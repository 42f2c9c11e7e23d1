package io.sagacoord.server.internal.security;

import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.config.SecSecurityProperties;
import io.sagacoord.server.config.SecSecurityProperties.ApiKey;
import io.sagacoord.server.config.SecSecurityProperties.Role;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Security of the REST API: API keys ({@code X-API-Key}) and JWT bearer tokens, roles per endpoint,
 * RFC 9457 problems for 401 and 403, and the body size limit. See {@link SecSecurityProperties}.
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
      keys.add(new ApiKey("generated-admin", ApiKeys.sha256Hex(key), Set.of(Role.ADMIN), Set.of()));
      log.warn(
          "No API keys and no JWT issuer are configured (sec.security.*). Generated an ADMIN API"
              + " key for this run; send it as header X-API-Key: "
              + key);
    }
    return new ApiKeys(keys);
  }

  @Bean
  public SecurityFilterChain apiSecurity(
      HttpSecurity http, ApiKeys apiKeys, SecSecurityProperties properties) throws Exception {
    ProblemEntryPoint entryPoint = new ProblemEntryPoint(properties.jwt().enabled());
    http.csrf(c -> c.disable())
        .httpBasic(b -> b.disable())
        .formLogin(f -> f.disable())
        .logout(l -> l.disable())
        .requestCache(r -> r.disable())
        .anonymous(a -> a.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .exceptionHandling(
            e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(new ProblemDenied()))
        .addFilterBefore(new ApiKeyFilter(apiKeys, entryPoint), BasicAuthenticationFilter.class)
        .authorizeHttpRequests(
            a ->
                // an ASYNC dispatch only writes the answer of a request authorized before
                // (long-poll)
                a.dispatcherTypeMatchers(
                        jakarta.servlet.DispatcherType.ERROR, jakarta.servlet.DispatcherType.ASYNC)
                    .permitAll()
                    .requestMatchers("/actuator/health", "/actuator/health/**")
                    .permitAll()
                    .requestMatchers(HttpMethod.POST, "/api/sagas/*/actions/*")
                    .hasAnyRole(OPERATORS)
                    .requestMatchers(HttpMethod.POST, "/api/quarantine/*/redeliver")
                    .hasAnyRole(OPERATORS)
                    .requestMatchers(HttpMethod.POST, "/api/sagas/*")
                    .hasAnyRole(STARTERS)
                    .requestMatchers(HttpMethod.GET, "/api/**")
                    .hasAnyRole(READERS)
                    .requestMatchers("/actuator/**")
                    .hasAnyRole(READERS)
                    .anyRequest()
                    .authenticated());
    if (properties.jwt().enabled()) {
      JwtDecoder decoder = jwtDecoder(properties.jwt());
      http.oauth2ResourceServer(
          o ->
              o.authenticationEntryPoint(entryPoint)
                  .accessDeniedHandler(new ProblemDenied())
                  .jwt(
                      j ->
                          j.decoder(decoder)
                              .jwtAuthenticationConverter(jwt -> convert(jwt, properties.jwt()))));
    }
    return http.build();
  }

  /** Before the security filters, so an oversized body is refused without being read. */
  @Bean
  public FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(
      SecApiProperties properties) {
    FilterRegistrationBean<BodySizeLimitFilter> registration =
        new FilterRegistrationBean<>(new BodySizeLimitFilter(properties.maxBodySize().toBytes()));
    registration.setOrder(-200);
    registration.addUrlPatterns("/*");
    return registration;
  }

  static JwtDecoder jwtDecoder(SecSecurityProperties.Jwt jwt) {
    NimbusJwtDecoder decoder;
    OAuth2TokenValidator<Jwt> validator;
    if (notBlank(jwt.issuerUri())) {
      decoder = NimbusJwtDecoder.withIssuerLocation(jwt.issuerUri()).build();
      validator = JwtValidators.createDefaultWithIssuer(jwt.issuerUri());
    } else if (notBlank(jwt.jwkSetUri())) {
      decoder = NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).build();
      validator = new DelegatingOAuth2TokenValidator<>(new JwtTimestampValidator());
    } else {
      decoder = NimbusJwtDecoder.withPublicKey(parsePublicKey(jwt.publicKey())).build();
      validator = new DelegatingOAuth2TokenValidator<>(new JwtTimestampValidator());
    }
    decoder.setJwtValidator(validator);
    return decoder;
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

  /** Roles from the roles claim and from scopes; saga types from the saga-types claim. */
  static AbstractAuthenticationToken convert(Jwt jwt, SecSecurityProperties.Jwt settings) {
    List<GrantedAuthority> authorities = new ArrayList<>();
    List<String> roleNames = new ArrayList<>(values(jwt.getClaim(settings.rolesClaim())));
    roleNames.addAll(values(jwt.getClaim("scope")));
    roleNames.addAll(values(jwt.getClaim("scp")));
    for (String name : roleNames) {
      try {
        String authority = "ROLE_" + Role.parse(name).name();
        if (authorities.stream().noneMatch(a -> a.getAuthority().equals(authority))) {
          authorities.add(new SimpleGrantedAuthority(authority));
        }
      } catch (IllegalArgumentException e) {
        // other scopes and roles are not ours
      }
    }
    for (String type : values(jwt.getClaim(settings.sagaTypesClaim()))) {
      authorities.add(new SimpleGrantedAuthority(Callers.SAGA_TYPE_PREFIX + type));
    }
    String subject = jwt.getSubject() == null ? "jwt" : jwt.getSubject();
    return new JwtAuthenticationToken(jwt, authorities, "jwt:" + subject);
  }

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
