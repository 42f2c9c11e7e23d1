package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.security.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * A health component that does not exist, or that the caller may not see, is a 404 problem like
 * every other refusal of the coordinator (the actuator itself answers it with an empty body).
 */
@Component
public class HealthComponentProblems extends OncePerRequestFilter {

  private static final String PREFIX = "/actuator/health/";

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith(PREFIX);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
    chain.doFilter(request, wrapper);
    if (wrapper.getStatus() == HttpServletResponse.SC_NOT_FOUND
        && wrapper.getContentSize() == 0
        && !response.isCommitted()) {
      Problems.write(
          response,
          HttpServletResponse.SC_NOT_FOUND,
          Problems.title(HttpServletResponse.SC_NOT_FOUND),
          "no health component of that name is visible to this caller",
          request.getRequestURI());
      return;
    }
    wrapper.copyBodyToResponse();
  }
}
