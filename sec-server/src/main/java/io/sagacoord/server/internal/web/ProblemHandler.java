package io.sagacoord.server.internal.web;

import io.sagacoord.server.CoordinatorBusyException;
import io.sagacoord.server.IdempotencyKeyConflictException;
import io.sagacoord.server.InvalidStartDataException;
import io.sagacoord.server.UnknownSagaTypeException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Maps the coordinator's exceptions to RFC 9457 problem details. */
@RestControllerAdvice
public class ProblemHandler {

  @ExceptionHandler(UnknownSagaTypeException.class)
  ProblemDetail unknownType(UnknownSagaTypeException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    p.setTitle("Unknown saga type");
    p.setProperty("sagaType", e.sagaType());
    return p;
  }

  @ExceptionHandler(InvalidStartDataException.class)
  ProblemDetail invalidData(InvalidStartDataException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    p.setTitle("Invalid saga data");
    p.setProperty("sagaType", e.sagaType());
    return p;
  }

  @ExceptionHandler(IdempotencyKeyConflictException.class)
  ProblemDetail conflict(IdempotencyKeyConflictException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    p.setTitle("Idempotency key reused with another body");
    p.setProperty("sagaId", e.existingSagaId().toString());
    return p;
  }

  @ExceptionHandler(CoordinatorBusyException.class)
  ResponseEntity<ProblemDetail> busy(CoordinatorBusyException e) {
    ProblemDetail p =
        ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    p.setTitle("Coordinator busy");
    long seconds = Math.max(1, e.retryAfter().toSeconds());
    p.setProperty("retryAfterSeconds", seconds);
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .body(p);
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ProblemDetail badRequest(IllegalArgumentException e) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    p.setTitle("Bad request");
    return p;
  }
}
