package io.sagacoord.server.internal.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies the {@link CredentialThrottle} around the authentication filters: a request with
 * credentials from a throttled address is answered 429 before they are checked; afterwards a
 * credential that authenticated is remembered for the address. A refusal is counted by {@link
 * ProblemEntryPoint} as it answers 401, before the client can send its next attempt. {@link
 * #marker()} runs after the authentication filters and notes whether the request authenticated.
 */
final class ThrottleFilter extends OncePerRequestFilter {

  static final String AUTHENTICATED = ThrottleFilter.class.getName() + ".authenticated";

  private final CredentialThrottle throttle;

  ThrottleFilter(CredentialThrottle throttle) {
    this.throttle = throttle;
  }

  /** The credentials a request presents (API key and/or Authorization header), or null. */
  static String presented(HttpServletRequest request) {
    String key = request.getHeader(ApiKeyFilter.HEADER);
    String authorization = request.getHeader("Authorization");
    if (key == null && authorization == null) {
      return null;
    }
    return (key == null ? "" : key) + '\n' + (authorization == null ? "" : authorization);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String credential = presented(request);
    if (credential == null) {
      chain.doFilter(request, response);
      return;
    }
    String address = request.getRemoteAddr();
    String digest = ApiKeys.sha256Hex(credential);
    Optional<Duration> wait = throttle.refusal(address, digest);
    if (wait.isPresent()) {
      tooManyFailures(request, response, wait.get());
      return;
    }
    chain.doFilter(request, response);
    if (request.getAttribute(AUTHENTICATED) != null) {
      throttle.succeeded(address, digest);
    }
  }

  static void tooManyFailures(
      HttpServletRequest request, HttpServletResponse response, Duration wait) throws IOException {
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    response.setHeader("Retry-After", Long.toString(seconds));
    Problems.write(
        response,
        429,
        "Too many failed credential attempts",
        "too many failed credential attempts from this address; retry after "
            + seconds
            + " s (sec.security.throttle)",
        request.getRequestURI());
  }

  /** Notes on the request whether the authentication filters before it authenticated it. */
  static OncePerRequestFilter marker() {
    return new OncePerRequestFilter() {
      @Override
      protected void doFilterInternal(
          HttpServletRequest request, HttpServletResponse response, FilterChain chain)
          throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.isAuthenticated()) {
          request.setAttribute(AUTHENTICATED, Boolean.TRUE);
        }
        chain.doFilter(request, response);
      }
    };
  }
}
