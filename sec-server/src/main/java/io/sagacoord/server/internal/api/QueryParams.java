package io.sagacoord.server.internal.api;

import jakarta.servlet.http.HttpServletRequest;
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
    if (value.length() > MAX_TEXT) {
      throw ApiException.badRequest(
          "query parameter '" + name + "' is longer than " + MAX_TEXT + " characters");
    }
    return value;
  }

  public Instant instant(String name) {
    String value = text(name);
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiException.badRequest(
            "query parameter '" + name + "' is not an ISO-8601 instant: " + value);
      }
    }
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

  public static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    return value.length() > 60 ? value.substring(0, 60) + "..." : value;
  }
}
