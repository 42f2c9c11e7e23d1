package io.sagacoord.server.internal.security;

import java.util.HashSet;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * What the API needs to know about the caller: a name for the audit, and which saga types it may
 * start. Authorities are {@code ROLE_<role>} plus, for a caller limited to some types, {@link
 * #SAGA_TYPES_LIMITED} and one {@code SAGA_TYPE_<type>} per allowed type (none when the list is
 * empty).
 */
public final class Callers {

  public static final String SAGA_TYPE_PREFIX = "SAGA_TYPE_";

  /** Marks a caller whose credential lists the saga types it may start (possibly none). */
  public static final String SAGA_TYPES_LIMITED = "SAGA_TYPES_LIMITED";

  private Callers() {}

  /** The caller's name as recorded in the audit ({@code api-key:<name>} or the JWT subject). */
  public static String actor(Authentication auth) {
    return auth == null ? "anonymous" : auth.getName();
  }

  /**
   * True if the caller may start sagas of {@code sagaType}: an ADMIN, or a STARTER without a type
   * list or with the type on it (an empty list allows no type).
   */
  public static boolean mayStart(Authentication auth, String sagaType) {
    if (auth == null) {
      return false;
    }
    Set<String> types = new HashSet<>();
    boolean admin = false;
    boolean starter = false;
    boolean limited = false;
    for (GrantedAuthority a : auth.getAuthorities()) {
      String name = a.getAuthority();
      if (name == null) {
        continue;
      }
      if (name.equals("ROLE_ADMIN")) {
        admin = true;
      } else if (name.equals("ROLE_STARTER")) {
        starter = true;
      } else if (name.equals(SAGA_TYPES_LIMITED)) {
        limited = true;
      } else if (name.startsWith(SAGA_TYPE_PREFIX)) {
        types.add(name.substring(SAGA_TYPE_PREFIX.length()));
      }
    }
    return admin || (starter && (!limited || types.contains(sagaType)));
  }
}
