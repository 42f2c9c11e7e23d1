package io.sagacoord.server.internal.storage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What PostgreSQL can store, as one rule for every value that reaches the database from outside:
 * text holds no NUL character and no unpaired surrogate (neither {@code text} nor {@code jsonb}
 * accepts them), instants lie within {@link #MIN_INSTANT} .. {@link #MAX_INSTANT}, and JSON numbers
 * fit {@code numeric}. The checks return why a value cannot be stored, or null when it can; callers
 * turn that into their own refusal (a 400 problem, a quarantine reason).
 */
public final class Storable {

  /** The earliest instant accepted from outside (PostgreSQL itself reaches back to 4713 BC). */
  public static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  /** The latest instant accepted from outside (PostgreSQL itself reaches to 294276 AD). */
  public static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999Z");

  // numeric: up to 131072 digits before the decimal point and 16383 after it
  private static final int MAX_INTEGER_DIGITS = 131_072;
  private static final int MAX_FRACTION_DIGITS = 16_383;

  private Storable() {}

  /** Why PostgreSQL cannot store {@code text}, or null when it can (also for null). */
  public static String textProblem(String text) {
    if (text == null) {
      return null;
    }
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        return "contains the NUL character (\\u0000) at position " + i;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "contains an unpaired surrogate (\\u"
            + String.format("%04x", (int) c)
            + ") at position "
            + i;
      }
    }
    return null;
  }

  /** Whether {@code instant} lies within {@link #MIN_INSTANT} .. {@link #MAX_INSTANT}. */
  public static boolean inRange(Instant instant) {
    return !instant.isBefore(MIN_INSTANT) && !instant.isAfter(MAX_INSTANT);
  }

  /** {@code instant} moved into {@link #MIN_INSTANT} .. {@link #MAX_INSTANT}. */
  public static Instant clamp(Instant instant) {
    if (instant.isBefore(MIN_INSTANT)) {
      return MIN_INSTANT;
    }
    return instant.isAfter(MAX_INSTANT) ? MAX_INSTANT : instant;
  }

  /**
   * Why {@code jsonb} cannot store this JSON value, naming where ({@code $.a.b[2]}), or null when
   * it can: a string or field name that breaks {@link #textProblem}, or a number beyond {@code
   * numeric} (read the tree with big decimals for floats, or a tiny number reads as 0).
   */
  public static String jsonProblem(JsonNode node) {
    String problem = problemBelow(node);
    return problem == null ? null : "$" + problem;
  }

  /** The problem with its path relative to {@code node} in front; the path is built only then. */
  private static String problemBelow(JsonNode node) {
    if (node.isString()) {
      String problem = textProblem(node.asString());
      return problem == null ? null : " " + problem;
    }
    if (node.isNumber()) {
      return numberFits(node) ? null : " is a number beyond what PostgreSQL can store";
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String problem = problemBelow(node.get(i));
        if (problem != null) {
          return "[" + i + "]" + problem;
        }
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String name = field.getKey();
        String nameProblem = textProblem(name);
        if (nameProblem != null) {
          return " has a field name that " + nameProblem;
        }
        String problem = problemBelow(field.getValue());
        if (problem != null) {
          return "." + abbreviate(name) + problem;
        }
      }
    }
    return null;
  }

  private static boolean numberFits(JsonNode node) {
    if (node.isDouble() || node.isFloat()) {
      return Double.isFinite(node.doubleValue());
    }
    if (node.isBigDecimal()) {
      BigDecimal value = node.decimalValue();
      long integerDigits = (long) value.precision() - value.scale();
      return integerDigits <= MAX_INTEGER_DIGITS && value.scale() <= MAX_FRACTION_DIGITS;
    }
    // integers: the parser's number length limit keeps them far below numeric's
    return true;
  }

  private static String abbreviate(String name) {
    // whole code points, so a cut never leaves half a surrogate pair in the message
    return name.codePointCount(0, name.length()) > 40
        ? name.substring(0, name.offsetByCodePoints(0, 40)) + "..."
        : name;
  }
}
