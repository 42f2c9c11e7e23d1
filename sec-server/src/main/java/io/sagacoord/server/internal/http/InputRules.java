package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.storage.Storable;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * The one input rule of the REST API, applied wherever outside text or time reaches the database
 * (query parameters, cursors, operator action bodies, redeliveries): text must be storable ({@link
 * Storable#textProblem}: no NUL, no unpaired surrogate) and within a length limit, else the request
 * is a 400 problem naming the parameter or field; instants of filters are clamped to {@link
 * Storable#MIN_INSTANT} .. {@link Storable#MAX_INSTANT}. A refused request writes nothing: the
 * checks run before any transaction.
 */
public final class InputRules {

  private InputRules() {}

  /** A query parameter's value, checked; null stays null. */
  public static String parameter(String name, String value, int maxLength) {
    return check(
        value,
        "query parameter '" + QueryParams.abbreviate(name) + "'",
        "parameter",
        name,
        maxLength);
  }

  /** A body field's value, checked; null stays null. */
  public static String field(String name, String value, int maxLength) {
    return check(value, "\"" + name + "\"", "field", name, maxLength);
  }

  /** An instant of a filter, moved into the stored range (the filter keeps its meaning). */
  public static Instant clamped(Instant instant) {
    return instant == null ? null : Storable.clamp(instant);
  }

  private static String check(String value, String what, String kind, String name, int maxLength) {
    if (value == null) {
      return null;
    }
    if (value.length() > maxLength) {
      throw invalid(what + " is longer than " + maxLength + " characters", kind, name);
    }
    String problem = Storable.textProblem(value);
    if (problem != null) {
      throw invalid(what + " " + problem + ", which is not accepted", kind, name);
    }
    return value;
  }

  /**
   * A 400 for one bad input value; the problem names it as property {@code kind} ({@code parameter}
   * or {@code field}).
   */
  public static ApiException invalid(String detail, String kind, String name) {
    return new ApiException(
        HttpStatus.BAD_REQUEST, "Bad request", detail, Map.of(kind, QueryParams.abbreviate(name)));
  }
}
