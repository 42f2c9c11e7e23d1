package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.security.Problems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors that never reached a controller (rejected by the servlet container, e.g. a malformed path)
 * are problem details too, instead of Boot's default error JSON. The error path requested directly
 * is a 404: there is nothing there.
 */
@RestController
public class ProblemErrorController implements ErrorController {

  @RequestMapping("${server.error.path:${error.path:/error}}")
  public ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    if (request.getDispatcherType() != DispatcherType.ERROR) {
      // requested directly: there is no error to report and no such resource
      ProblemDetail notFound =
          Problems.of(HttpStatus.NOT_FOUND, Problems.title(404), "no resource at this path");
      return ResponseEntity.status(HttpStatus.NOT_FOUND)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(notFound);
    }
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status =
        code instanceof Integer i && HttpStatus.resolve(i) != null
            ? HttpStatus.valueOf(i)
            : HttpStatus.INTERNAL_SERVER_ERROR;
    ProblemDetail problem =
        Problems.of(
            status,
            Problems.title(status.value()),
            status.is5xxServerError()
                ? "the coordinator could not handle the request; its log names the cause"
                : "the request was refused before it reached the API ("
                    + Problems.title(status.value())
                    + ")");
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    if (uri != null) {
      try {
        problem.setInstance(java.net.URI.create(Problems.instance(String.valueOf(uri))));
      } catch (IllegalArgumentException e) {
        // a path the container rejected may not be a valid URI; leave instance out
      }
    }
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
