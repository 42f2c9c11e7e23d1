package io.sagacoord.server.internal.problem;

import io.sagacoord.server.SecException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A refusal of the operator API that becomes an RFC 9457 problem: bad input (400), unknown saga or
 * message (404), an action not allowed in the current state (409), a saga type a starter may not
 * start (403).
 */
public class ApiException extends SecException {

  private final HttpStatus status;
  private final String title;
  private final Map<String, Object> properties;

  public ApiException(HttpStatus status, String title, String detail, Map<String, Object> props) {
    super(detail);
    this.status = status;
    this.title = title;
    this.properties = Map.copyOf(props);
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(HttpStatus.BAD_REQUEST, "Bad request", detail, Map.of());
  }

  public static ApiException notFound(String title, String detail) {
    return new ApiException(HttpStatus.NOT_FOUND, title, detail, Map.of());
  }

  public HttpStatus status() {
    return status;
  }

  public String title() {
    return title;
  }

  public Map<String, Object> properties() {
    return properties;
  }
}
