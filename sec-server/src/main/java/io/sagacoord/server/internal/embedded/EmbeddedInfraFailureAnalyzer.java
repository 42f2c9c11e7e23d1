package io.sagacoord.server.internal.embedded;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a start in embedded mode without the test kit as what to set instead, in Spring Boot's
 * "application failed to start" form rather than as a stack trace.
 */
public final class EmbeddedInfraFailureAnalyzer
    extends AbstractFailureAnalyzer<EmbeddedInfraUnavailableException> {

  static final String ACTION =
      "Point the coordinator at your PostgreSQL and Kafka and turn embedded mode off:"
          + " spring.datasource.url, spring.datasource.username, spring.datasource.password and"
          + " sec.kafka.bootstrap-servers (SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME,"
          + " SPRING_DATASOURCE_PASSWORD, SEC_KAFKA_BOOTSTRAP_SERVERS) with sec.embedded=false"
          + " (SEC_EMBEDDED=false). For a development run on embedded infrastructure, put"
          + " io.sagacoord:sec-testkit on the class path (the demo jar has it).";

  @Override
  protected FailureAnalysis analyze(
      Throwable rootFailure, EmbeddedInfraUnavailableException cause) {
    return new FailureAnalysis(cause.getMessage(), ACTION, cause);
  }
}
