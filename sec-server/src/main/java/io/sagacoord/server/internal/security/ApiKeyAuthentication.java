package io.sagacoord.server.internal.security;

import java.util.Collection;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/** An authenticated API key; its name is {@code api-key:<configured name>}. */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

  private final String name;

  ApiKeyAuthentication(String keyName, Collection<? extends GrantedAuthority> authorities) {
    super(authorities);
    this.name = "api-key:" + keyName;
    setAuthenticated(true);
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
