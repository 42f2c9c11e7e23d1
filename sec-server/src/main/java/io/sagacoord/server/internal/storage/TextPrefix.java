package io.sagacoord.server.internal.storage;

import java.util.Locale;
import java.util.UUID;

/**
 * The free text of the saga list as index ranges: a start of a saga id as the range of ids that
 * begin with it, a start of a business key as the range of keys that begin with it in byte order
 * (what a {@code varchar_pattern_ops} index compares).
 */
final class TextPrefix {

  private static final String LOWEST = "00000000-0000-0000-0000-000000000000";
  private static final String HIGHEST = "ffffffff-ffff-ffff-ffff-ffffffffffff";

  private TextPrefix() {}

  /**
   * The lowest and highest saga id that start with {@code text} as ids are written (lower-case hex
   * digits, dashes after the 8th, 12th, 16th and 20th), upper-case digits read as lower-case; null
   * when no id starts with it. PostgreSQL orders uuids by their bytes, which is the order of this
   * form, so the ids between the two are exactly those that start with the text.
   */
  static UUID[] idRange(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    if (t.isEmpty() || t.length() > LOWEST.length()) {
      return null;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      boolean fits =
          LOWEST.charAt(i) == '-' ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!fits) {
        return null;
      }
    }
    return new UUID[] {
      UUID.fromString(t + LOWEST.substring(t.length())),
      UUID.fromString(t + HIGHEST.substring(t.length()))
    };
  }

  /**
   * The least string after every string that starts with {@code prefix}, in the order of their
   * UTF-8 bytes (which is the order of their code points): the prefix with its last code point
   * raised by one, a last U+10FFFF dropped first. Null when there is none (an empty prefix, or only
   * U+10FFFF).
   */
  static String next(String prefix) {
    int[] points = prefix.codePoints().toArray();
    for (int n = points.length; n > 0; n--) {
      int last = points[n - 1];
      if (last < Character.MAX_CODE_POINT) {
        int raised = last + 1;
        if (raised >= Character.MIN_SURROGATE && raised <= Character.MAX_SURROGATE) {
          raised = Character.MAX_SURROGATE + 1;
        }
        points[n - 1] = raised;
        return new String(points, 0, n);
      }
    }
    return null;
  }
}
