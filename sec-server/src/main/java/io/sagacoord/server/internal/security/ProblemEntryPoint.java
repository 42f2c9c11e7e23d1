package io.sagacoord.server.internal.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/** 401 as a problem detail, naming the schemes the coordinator accepts. */
final class ProblemEntryPoint implements AuthenticationEntryPoint {

  private final boolean jwt;

  ProblemEntryPoint(boolean jwt) {
    this.jwt = jwt;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    response.addHeader("WWW-Authenticate", "ApiKey header=\"X-API-Key\"");
    if (jwt) {
      response.addHeader("WWW-Authenticate", "Bearer");
    }
    boolean presented =
        request.getHeader(ApiKeyFilter.HEADER) != null
            || request.getHeader("Authorization") != null;
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
