package io.sagacoord.server.internal.tracing;

import io.opentelemetry.context.Scope;
import io.sagacoord.protocol.SagaHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Makes the context of a request's {@code traceparent} header current while the request runs, so
 * that a saga started over REST joins the caller's trace (and an operator action links to it).
 * Passes requests through untouched when tracing is off.
 */
@Component
class TraceparentFilter extends OncePerRequestFilter {

  private final SagaTracing tracing;

  TraceparentFilter(SagaTracing tracing) {
    this.tracing = tracing;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !tracing.enabled() || request.getHeader(SagaHeaders.TRACEPARENT) == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try (Scope scope = tracing.fromTraceparent(request.getHeader(SagaHeaders.TRACEPARENT))) {
      chain.doFilter(request, response);
    }
  }
}
