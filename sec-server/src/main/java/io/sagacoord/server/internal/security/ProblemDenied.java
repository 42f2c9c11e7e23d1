package io.sagacoord.server.internal.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;

/** 403 as a problem detail. */
final class ProblemDenied implements AccessDeniedHandler {
  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    Problems.write(
        response,
        403,
        "Forbidden",
        "your role does not allow " + request.getMethod() + " " + request.getRequestURI(),
        request.getRequestURI());
  }
}
