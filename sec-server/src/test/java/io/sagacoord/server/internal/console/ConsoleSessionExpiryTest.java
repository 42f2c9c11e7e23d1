package io.sagacoord.server.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.support.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;

/** An idle console session ends by the coordinator's clock; a used one stays. */
class ConsoleSessionExpiryTest {

  private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final ConsoleSessionExpiry filter =
      new ConsoleSessionExpiry(Duration.ofMinutes(30), clock);
  private final MockHttpSession session = new MockHttpSession();

  ConsoleSessionExpiryTest() {
    session.setAttribute(
        HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY,
        new SecurityContextImpl(
            new UsernamePasswordAuthenticationToken(
                "viewer", "", List.of(new SimpleGrantedAuthority("ROLE_VIEWER")))));
    ConsoleSessionExpiry.started(session, Duration.ofMinutes(30), clock);
  }

  @AfterEach
  void clear() {
    SecurityContextHolder.clearContext();
  }

  private MockHttpServletResponse get() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/console/sagas");
    request.setSession(session);
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, new MockFilterChain());
    return response;
  }

  @Test
  void aSessionUsedWithinTheTimeoutGoesOnAndEachUseRestartsTheTimeout() throws Exception {
    clock.advance(Duration.ofMinutes(29));
    assertThat(get().getRedirectedUrl()).isNull();
    clock.advance(Duration.ofMinutes(29));
    assertThat(get().getRedirectedUrl()).isNull();
    assertThat(session.isInvalid()).isFalse();
    assertThat(session.getMaxInactiveInterval()).isEqualTo(31 * 60);
  }

  @Test
  void aSessionSignedInWithATokenEndsWhenTheTokenExpires() throws Exception {
    session.setAttribute(
        HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY,
        new SecurityContextImpl(
            new TokenSignIn(
                "jwt:alice",
                List.of(new SimpleGrantedAuthority("ROLE_VIEWER")),
                clock.instant().plus(Duration.ofMinutes(10)))));
    SecurityContextHolder.setContext(
        (org.springframework.security.core.context.SecurityContext)
            session.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY));
    clock.advance(Duration.ofMinutes(9));
    assertThat(get().getRedirectedUrl()).isNull();

    clock.advance(Duration.ofMinutes(1));

    assertThat(get().getRedirectedUrl()).isEqualTo("/console/sign-in?expired");
    assertThat(session.isInvalid()).isTrue();
  }

  @Test
  void aSessionIdleForLongerThanTheTimeoutIsInvalidatedAndSentToSignIn() throws Exception {
    clock.advance(Duration.ofMinutes(30).plusSeconds(1));

    MockHttpServletResponse response = get();

    assertThat(response.getRedirectedUrl()).isEqualTo("/console/sign-in?expired");
    assertThat(session.isInvalid()).isTrue();
  }
}
