package io.sagacoord.server.internal.console;

import io.sagacoord.server.internal.security.ApiKeys;
import io.sagacoord.server.internal.security.CredentialThrottle;
import io.sagacoord.server.internal.security.SecurityConfiguration;
import io.sagacoord.server.internal.security.SecurityConfiguration.BearerTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.web.authentication.AbstractAuthenticationProcessingFilter;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * The sign-in form's POST: an API key (field {@code apiKey}) or, when an identity provider is
 * configured, a bearer token (field {@code token}), checked exactly as the REST API checks them and
 * counted by the same throttle of failed attempts. On success the session id changes, the CSRF
 * token is renewed and the person goes on to the page asked for (or the overview).
 */
final class ConsoleSignInFilter extends AbstractAuthenticationProcessingFilter {

  /** A sign-in refused because the address made too many failed attempts. */
  static final class Throttled extends AuthenticationException {
    Throttled(String message) {
      super(message);
    }
  }

  /** A valid credential without a role that may read the console (a STARTER key). */
  static final class NoReadingRole extends AuthenticationException {
    NoReadingRole() {
      super("the credential has no role that may read the console");
    }
  }

  private static final java.util.Set<String> READING =
      java.util.Set.of("ROLE_VIEWER", "ROLE_OPERATOR", "ROLE_ADMIN");

  private final ApiKeys keys;
  private final BearerTokens bearer;
  private final CredentialThrottle throttle;

  ConsoleSignInFilter(
      ApiKeys keys,
      BearerTokens bearer,
      CredentialThrottle throttle,
      Duration sessionTimeout,
      Clock clock) {
    super(
        PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, ConsoleSecurity.SIGN_IN));
    this.keys = keys;
    this.bearer = bearer;
    this.throttle = throttle;
    // never used: the filter authenticates the credential itself
    setAuthenticationManager(
        a -> {
          throw new BadCredentialsException("not used");
        });
    SavedRequestAwareAuthenticationSuccessHandler success =
        new SavedRequestAwareAuthenticationSuccessHandler() {
          @Override
          public void onAuthenticationSuccess(
              HttpServletRequest request, HttpServletResponse response, Authentication auth)
              throws java.io.IOException, jakarta.servlet.ServletException {
            ConsoleSessionExpiry.started(request.getSession(), sessionTimeout, clock);
            super.onAuthenticationSuccess(request, response, auth);
          }
        };
    success.setDefaultTargetUrl("/console");
    setAuthenticationSuccessHandler(success);
    setAuthenticationFailureHandler(
        (request, response, e) ->
            response.sendRedirect(
                ConsoleSecurity.SIGN_IN
                    + (e instanceof Throttled
                        ? "?error=throttled"
                        : e instanceof NoReadingRole ? "?error=role" : "?error=invalid")));
  }

  @Override
  public Authentication attemptAuthentication(
      HttpServletRequest request, HttpServletResponse response) {
    String key = blankToNull(request.getParameter("apiKey"));
    String token = blankToNull(request.getParameter("token"));
    if (key == null && token == null) {
      throw new BadCredentialsException("no credential entered");
    }
    // a pasted token wins over a key that a password manager may have filled in
    String credential = token != null ? "\nBearer " + token : key + "\n";
    String address = request.getRemoteAddr();
    String digest = ApiKeys.sha256Hex(credential);
    if (throttle.refusal(address, digest).isPresent()) {
      throw new Throttled("too many failed credential attempts from this address");
    }
    Optional<Authentication> auth = token != null ? bearer(token) : keys.signIn(key);
    if (auth.isEmpty()) {
      throttle.failed(address);
      throw new BadCredentialsException("the credential is not valid");
    }
    throttle.succeeded(address, digest);
    if (auth.get().getAuthorities().stream().noneMatch(a -> READING.contains(a.getAuthority()))) {
      throw new NoReadingRole();
    }
    return auth.get();
  }

  private Optional<Authentication> bearer(String token) {
    if (bearer.decoder() == null) {
      return Optional.empty();
    }
    try {
      Jwt jwt = bearer.decoder().decode(token);
      Authentication converted = SecurityConfiguration.convert(jwt, bearer.settings());
      return Optional.of(
          new TokenSignIn(converted.getName(), converted.getAuthorities(), jwt.getExpiresAt()));
    } catch (JwtException e) {
      return Optional.empty();
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
