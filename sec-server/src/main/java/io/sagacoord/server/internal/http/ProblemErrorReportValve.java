package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.security.Problems;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The servlet container's error report for a request it refused before any servlet saw it (a
 * malformed or NUL-carrying URI, a bad header): a problem like every other answer of the API,
 * instead of Tomcat's HTML page. The request's own path is not echoed: it is what was malformed.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  private static final Log log = LogFactory.getLog(ProblemErrorReportValve.class);

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    try {
      Problems.write(
          response,
          status,
          Problems.title(status),
          "the request was refused before it reached the API (malformed path or headers)",
          "");
    } catch (IOException | IllegalStateException e) {
      log.debug("Writing the container's error report failed", e);
    }
  }
}
