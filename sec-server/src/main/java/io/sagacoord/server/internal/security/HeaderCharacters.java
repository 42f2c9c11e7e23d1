package io.sagacoord.server.internal.security;

/**
 * The characters the firewall accepts in header names and values: assigned code points that are not
 * control characters, and in values also the horizontal tab. The same rule as {@link
 * org.springframework.security.web.firewall.StrictHttpFirewall}'s default patterns ({@code
 * [\p{IsAssigned}&&[^\p{IsControl}]]*}, with {@code \t} for values), checked by a loop over the
 * code points instead of a regular expression, since every header a request reads passes through
 * it.
 */
final class HeaderCharacters {

  private HeaderCharacters() {}

  /** True if every code point of {@code name} is assigned and not a control character. */
  static boolean allowedName(String name) {
    return allowed(name, false);
  }

  /** As {@link #allowedName}, and the horizontal tab is allowed too. */
  static boolean allowedValue(String value) {
    return allowed(value, true);
  }

  private static boolean allowed(String s, boolean tab) {
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int type = Character.getType(cp);
      if (type == Character.UNASSIGNED || (type == Character.CONTROL && !(tab && cp == '\t'))) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }
}
