package io.sagacoord.server.internal.console;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Ends a console session that has been idle for longer than the timeout (by the coordinator's
 * clock), or whose bearer token has expired: the session is invalidated and the person is sent to
 * the sign-in page. Every other request of a signed-in session marks it as used. The servlet
 * container's own expiry of the session (set at sign-in) frees its memory later.
 */
final class ConsoleSessionExpiry extends OncePerRequestFilter {

  static final String LAST_USED = ConsoleSessionExpiry.class.getName() + ".lastUsed";

  private final Duration timeout;
  private final Clock clock;

  ConsoleSessionExpiry(Duration timeout, Clock clock) {
    this.timeout = timeout;
    this.clock = clock;
  }

  /** Marks a session that has just signed in. */
  static void started(HttpSession session, Duration timeout, Clock clock) {
    session.setAttribute(LAST_USED, clock.instant());
    // the container drops it a minute after the console would refuse it
    session.setMaxInactiveInterval((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds() + 60));
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    HttpSession session = request.getSession(false);
    if (session == null
        || session.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY)
            == null) {
      chain.doFilter(request, response);
      return;
    }
    Instant now = clock.instant();
    Object lastUsed = session.getAttribute(LAST_USED);
    if (!(lastUsed instanceof Instant last)
        || Duration.between(last, now).compareTo(timeout) > 0
        || tokenExpired(now)) {
      session.invalidate();
      SecurityContextHolder.clearContext();
      response.sendRedirect(ConsoleSecurity.SIGN_IN + "?expired");
      return;
    }
    session.setAttribute(LAST_USED, now);
    chain.doFilter(request, response);
  }

  private static boolean tokenExpired(Instant now) {
    var auth = SecurityContextHolder.getContext().getAuthentication();
    return auth instanceof TokenSignIn token
        && token.expiresAt() != null
        && !now.isBefore(token.expiresAt());
  }
}
