package io.sagacoord.client;

import java.net.URI;
import java.util.Map;

/**
 * An RFC 9457 problem detail as the coordinator answers it.
 *
 * @param type the problem type URI (often {@code about:blank})
 * @param title a short summary of the kind of problem
 * @param status the HTTP status
 * @param detail what went wrong in this case; may be null
 * @param instance the request path; may be null
 * @param properties the extension members, such as {@code sagaId}, {@code status} or {@code errors}
 */
public record Problem(
    URI type,
    String title,
    int status,
    String detail,
    URI instance,
    Map<String, Object> properties) {

  public Problem {
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }
}
