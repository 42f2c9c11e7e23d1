package io.sagacoord.server.internal.console;

import java.time.Instant;
import java.util.Collection;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * A console session signed in with a bearer token: the token's name and roles, and when it expires
 * (the session ends then). Spring Security keeps a {@code JwtAuthenticationToken} out of sessions
 * on purpose; this one is made to be kept.
 */
final class TokenSignIn extends AbstractAuthenticationToken {

  private final String name;
  private final Instant expiresAt;

  TokenSignIn(String name, Collection<? extends GrantedAuthority> authorities, Instant expiresAt) {
    super(authorities);
    this.name = name;
    this.expiresAt = expiresAt;
    setAuthenticated(true);
  }

  /** When the token expires; null when it says nothing. */
  Instant expiresAt() {
    return expiresAt;
  }

  @Override
  public Object getCredentials() {
    return "";
  }

  @Override
  public Object getPrincipal() {
    return name;
  }

  @Override
  public String getName() {
    return name;
  }
}
