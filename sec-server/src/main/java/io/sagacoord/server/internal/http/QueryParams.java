package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/** Strict reading of query parameters and path values: anything unexpected is a 400. */
public final class QueryParams {

  static final int MAX_TEXT = 200;

  private final HttpServletRequest request;

  public QueryParams(HttpServletRequest request, Set<String> allowed) {
    this.request = request;
    Set<String> unknown = new TreeSet<>(request.getParameterMap().keySet());
    unknown.removeAll(allowed);
    if (!unknown.isEmpty()) {
      throw ApiException.badRequest(
          "unknown query parameter(s) " + unknown + "; allowed: " + new TreeSet<>(allowed));
    }
  }

  /** The single value of a parameter, null when absent; repeated or blank is a 400. */
  public String text(String name) {
    String[] values = request.getParameterValues(name);
    if (values == null) {
      return null;
    }
    if (values.length > 1) {
      throw ApiException.badRequest("query parameter '" + name + "' given more than once");
    }
    String value = values[0];
    if (value.isBlank()) {
      throw ApiException.badRequest("query parameter '" + name + "' is empty");
    }
    return InputRules.parameter(name, value, MAX_TEXT);
  }

  /**
   * An ISO-8601 instant, clamped to {@link
   * io.sagacoord.server.internal.storage.Storable#MIN_INSTANT} .. {@code MAX_INSTANT}.
   */
  public Instant instant(String name) {
    String value = text(name);
    if (value == null) {
      return null;
    }
    Instant instant;
    try {
      instant = Instant.parse(value);
    } catch (DateTimeParseException e) {
      try {
        instant = OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeException e2) {
        throw InputRules.invalid(
            "query parameter '" + name + "' is not an ISO-8601 instant: " + abbreviate(value),
            "parameter",
            name);
      }
    }
    return InputRules.clamped(instant);
  }

  public int limit(int defaultLimit, int max) {
    String value = text("limit");
    if (value == null) {
      return defaultLimit;
    }
    int limit;
    try {
      limit = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("limit must be an integer, was " + value);
    }
    if (limit < 1 || limit > max) {
      throw ApiException.badRequest("limit must be between 1 and " + max + ", was " + limit);
    }
    return limit;
  }

  public static UUID uuid(String name, String value) {
    try {
      if (value == null || value.length() != 36) {
        throw new IllegalArgumentException();
      }
      return UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(name + " is not a UUID: " + abbreviate(value));
    }
  }

  public static long id(String name, String value) {
    try {
      long id = Long.parseLong(value);
      if (id <= 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name + " is not a positive integer: " + abbreviate(value));
    }
  }

  /**
   * Outside text as echoed in a problem: at most 60 code points, NUL and unpaired surrogates shown
   * as U+FFFD (JSON writers and the database refuse them).
   */
  public static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    int[] codePoints = value.codePoints().limit(61).toArray();
    for (int i = 0; i < Math.min(60, codePoints.length); i++) {
      int c = codePoints[i];
      out.appendCodePoint(c == 0 || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c);
    }
    return codePoints.length > 60 ? out + "..." : out.toString();
  }
}
