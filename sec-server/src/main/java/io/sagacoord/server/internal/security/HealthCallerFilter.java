package io.sagacoord.server.internal.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates the caller of {@code /actuator/health} when its API key or bearer token is valid,
 * so that a VIEWER sees the details; anything else (no credentials, a stale key, a throttled
 * address) goes on unauthenticated and gets the status only, never a 401. Failed attempts count
 * towards the {@link CredentialThrottle} like anywhere else.
 */
final class HealthCallerFilter extends OncePerRequestFilter {

  private final ApiKeys keys;
  private final JwtDecoder decoder;
  private final Function<org.springframework.security.oauth2.jwt.Jwt, Authentication> converter;
  private final CredentialThrottle throttle;

  /** {@code decoder} and {@code converter} are null when JWTs are not configured. */
  HealthCallerFilter(
      ApiKeys keys,
      JwtDecoder decoder,
      Function<org.springframework.security.oauth2.jwt.Jwt, Authentication> converter,
      CredentialThrottle throttle) {
    this.keys = keys;
    this.decoder = decoder;
    this.converter = converter;
    this.throttle = throttle;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String credential = ThrottleFilter.presented(request);
    Optional<Authentication> auth = Optional.empty();
    if (credential != null) {
      String address = request.getRemoteAddr();
      String digest = ApiKeys.sha256Hex(credential);
      if (throttle.refusal(address, digest).isEmpty()) {
        auth = authenticate(request);
        if (auth.isPresent()) {
          throttle.succeeded(address, digest);
        } else {
          throttle.failed(address);
        }
      }
    }
    if (auth.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    SecurityContext context = SecurityContextHolder.createEmptyContext();
    context.setAuthentication(auth.get());
    SecurityContextHolder.setContext(context);
    try {
      chain.doFilter(request, response);
    } finally {
      SecurityContextHolder.clearContext();
    }
  }

  private Optional<Authentication> authenticate(HttpServletRequest request) {
    String key = request.getHeader(ApiKeyFilter.HEADER);
    if (key != null) {
      return keys.authenticate(key).map(a -> a);
    }
    String authorization = request.getHeader("Authorization");
    if (decoder == null || authorization == null || !authorization.startsWith("Bearer ")) {
      return Optional.empty();
    }
    try {
      return Optional.of(converter.apply(decoder.decode(authorization.substring(7).trim())));
    } catch (JwtException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
