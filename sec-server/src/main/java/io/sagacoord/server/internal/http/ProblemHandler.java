package io.sagacoord.server.internal.http;

import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.ParticipantUnavailableException;
import io.sagacoord.server.UnknownSagaTypeException;
import io.sagacoord.server.internal.security.Problems;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Maps the coordinator's exceptions, and Spring MVC's own refusals (unknown route, wrong method or
 * media type, missing header), to problem details in the shape of {@link Problems}: a type, a
 * stable title, and a detail in the coordinator's words rather than the framework's.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Log log = LogFactory.getLog(ProblemHandler.class);

  @ExceptionHandler(UnknownSagaTypeException.class)
  ProblemDetail unknownType(UnknownSagaTypeException e) {
    String type = QueryParams.abbreviate(e.sagaType());
    ProblemDetail p =
        Problems.of(
            HttpStatus.NOT_FOUND,
            "Unknown saga type",
            "no saga definition named '" + type + "' is loaded");
    p.setProperty("sagaType", type);
    return p;
  }

  @ExceptionHandler(InvalidStartDataException.class)
  ProblemDetail invalidData(InvalidStartDataException e) {
    boolean ruled = !e.violations().isEmpty();
    ProblemDetail p =
        Problems.of(
            HttpStatus.BAD_REQUEST,
            ruled ? "Start data rejected" : "Invalid saga data",
            e.getMessage());
    p.setProperty("sagaType", QueryParams.abbreviate(e.sagaType()));
    if (ruled) {
      p.setProperty(
          "violations", e.violations().stream().limit(100).map(QueryParams::abbreviate).toList());
    }
    return p;
  }

  @ExceptionHandler(ParticipantUnavailableException.class)
  ResponseEntity<ProblemDetail> unavailable(ParticipantUnavailableException e) {
    ProblemDetail p =
        Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "Participant unavailable", e.getMessage());
    // rounded up: a client that waits as told finds the circuit half-open or the instance back
    long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
    p.setProperty("sagaType", QueryParams.abbreviate(e.sagaType()));
    p.setProperty("participant", e.participant());
    p.setProperty("retryAfterSeconds", seconds);
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .body(p);
  }

  @ExceptionHandler(IdempotencyKeyConflictException.class)
  ProblemDetail conflict(IdempotencyKeyConflictException e) {
    ProblemDetail p =
        Problems.of(
            HttpStatus.CONFLICT, "Idempotency key reused with another body", e.getMessage());
    p.setProperty("sagaId", e.existingSagaId().toString());
    return p;
  }

  @ExceptionHandler(CoordinatorBusyException.class)
  ResponseEntity<ProblemDetail> busy(CoordinatorBusyException e) {
    ProblemDetail p =
        Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "Coordinator busy", e.getMessage());
    // rounded up: a client that waits as told finds the circuit half-open or the instance back
    long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
    p.setProperty("retryAfterSeconds", seconds);
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .body(p);
  }

  /** The container could not decode the query (bytes that are no UTF-8 text). */
  @ExceptionHandler(InvalidParameterException.class)
  ProblemDetail undecodableQuery(InvalidParameterException e) {
    return Problems.of(
        HttpStatus.BAD_REQUEST,
        Problems.title(400),
        "the query string is not valid UTF-8 text (percent-encoded bytes must form UTF-8)");
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ProblemDetail badRequest(IllegalArgumentException e) {
    return Problems.of(HttpStatus.BAD_REQUEST, Problems.title(400), e.getMessage());
  }

  /**
   * Anything else is a fault of the coordinator: a 500 that names no internals, and one line in the
   * log (the stack trace at debug). Security exceptions go on to Spring Security's handlers.
   */
  @ExceptionHandler(Exception.class)
  ProblemDetail fault(Exception e, HttpServletRequest request) throws Exception {
    if (e instanceof AccessDeniedException || e instanceof AuthenticationException) {
      throw e;
    }
    log.error(
        request.getMethod() + " " + request.getRequestURI() + " failed: " + e + at(e.getCause()));
    if (log.isDebugEnabled()) {
      log.debug("stack trace of the failed request", e);
    }
    return Problems.of(
        HttpStatus.INTERNAL_SERVER_ERROR,
        Problems.title(500),
        "the coordinator could not handle the request; its log names the cause");
  }

  private static String at(Throwable cause) {
    return cause == null ? "" : " (caused by " + cause + ")";
  }

  /** Spring MVC's refusals: our type, title and detail in place of the framework's. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex,
      Object body,
      HttpHeaders headers,
      HttpStatusCode statusCode,
      WebRequest request) {
    int status = statusCode.value();
    ProblemDetail problem = Problems.of(statusCode, Problems.title(status), detail(ex, status));
    return super.handleExceptionInternal(ex, problem, headers, statusCode, request);
  }

  static String detail(Exception ex, int status) {
    if (ex instanceof HttpRequestMethodNotSupportedException e) {
      return QueryParams.abbreviate(e.getMethod())
          + " is not supported here"
          + (e.getSupportedHttpMethods() == null
              ? ""
              : "; allowed: " + e.getSupportedHttpMethods());
    }
    if (ex instanceof HttpMediaTypeNotSupportedException e) {
      return "a body of type "
          + (e.getContentType() == null
              ? "(none)"
              : QueryParams.abbreviate(e.getContentType().toString()))
          + " is not accepted; send application/json";
    }
    if (ex instanceof HttpMediaTypeNotAcceptableException) {
      return "the response is application/json (application/problem+json for errors); the Accept"
          + " header allows neither";
    }
    if (ex instanceof MissingRequestHeaderException e) {
      return "header " + e.getHeaderName() + " is required";
    }
    if (ex instanceof MissingServletRequestParameterException e) {
      return "query parameter '" + e.getParameterName() + "' is required";
    }
    if (ex instanceof HttpMessageNotReadableException) {
      return "the request body is missing or cannot be read";
    }
    if (ex instanceof TypeMismatchException e) {
      return (e.getPropertyName() == null ? "a value" : "'" + e.getPropertyName() + "'")
          + " has the wrong form: "
          + QueryParams.abbreviate(String.valueOf(e.getValue()));
    }
    if (ex instanceof NoResourceFoundException || ex instanceof NoHandlerFoundException) {
      return "no such endpoint; the API is described at /v3/api-docs";
    }
    return "the request cannot be handled (" + Problems.title(status) + ")";
  }
}
