package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.security.Problems;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Maps {@link ApiException} to a problem detail. First among the handlers, so the catch-all of the
 * web package's handler never takes an {@link ApiException}.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ApiProblemHandler {

  @ExceptionHandler(ApiException.class)
  ProblemDetail api(ApiException e) {
    ProblemDetail p = Problems.of(e.status(), e.title(), e.getMessage());
    // echoed input (a saga type, a step) is abbreviated like everywhere else
    e.properties()
        .forEach((k, v) -> p.setProperty(k, v instanceof String s ? QueryParams.abbreviate(s) : v));
    return p;
  }
}
