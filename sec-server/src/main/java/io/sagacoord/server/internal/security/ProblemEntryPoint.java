package io.sagacoord.server.internal.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * 401 as a problem detail, naming the schemes the coordinator accepts. A refused credential counts
 * towards the {@link CredentialThrottle} here, before the answer reaches the client, so the
 * caller's next attempt already sees the failure.
 */
final class ProblemEntryPoint implements AuthenticationEntryPoint {

  private final boolean jwt;
  private final CredentialThrottle throttle;

  ProblemEntryPoint(boolean jwt, CredentialThrottle throttle) {
    this.jwt = jwt;
    this.throttle = throttle;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    response.addHeader("WWW-Authenticate", "ApiKey header=\"X-API-Key\"");
    if (jwt) {
      response.addHeader("WWW-Authenticate", "Bearer");
    }
    boolean presented = ThrottleFilter.presented(request) != null;
    if (presented) {
      throttle.failed(request.getRemoteAddr());
    }
    Problems.write(
        response,
        401,
        "Unauthorized",
        presented
            ? "the credentials are not valid: an unknown API key, or a bearer token that is"
                + " malformed, expired or not signed by a trusted key"
            : "credentials required: header X-API-Key" + (jwt ? " or a Bearer token" : ""),
        request.getRequestURI());
  }
}
