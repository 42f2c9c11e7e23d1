package io.sagacoord.server.internal.security;

import java.util.HashSet;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * What the API needs to know about the caller: a name for the audit, and which saga types it may
 * start. Authorities are {@code ROLE_<role>} plus, for a starter limited to some types, {@code
 * SAGA_TYPE_<type>}.
 */
public final class Callers {

  public static final String SAGA_TYPE_PREFIX = "SAGA_TYPE_";

  private Callers() {}

  /** The caller's name as recorded in the audit ({@code api-key:<name>} or the JWT subject). */
  public static String actor(Authentication auth) {
    return auth == null ? "anonymous" : auth.getName();
  }

  /**
   * True if the caller may start sagas of {@code sagaType}: an ADMIN, or a STARTER without a type
   * list or with the type on it.
   */
  public static boolean mayStart(Authentication auth, String sagaType) {
    if (auth == null) {
      return false;
    }
    Set<String> types = new HashSet<>();
    boolean admin = false;
    boolean starter = false;
    for (GrantedAuthority a : auth.getAuthorities()) {
      String name = a.getAuthority();
      if (name == null) {
        continue;
      }
      if (name.equals("ROLE_ADMIN")) {
        admin = true;
      } else if (name.equals("ROLE_STARTER")) {
        starter = true;
      } else if (name.startsWith(SAGA_TYPE_PREFIX)) {
        types.add(name.substring(SAGA_TYPE_PREFIX.length()));
      }
    }
    return admin || (starter && (types.isEmpty() || types.contains(sagaType)));
  }
}
