package io.sagacoord.server.internal.embedded;

/**
 * Embedded mode was asked for on a class path without {@code io.sagacoord:sec-testkit} (the
 * coordinator's image and distribution leave it out). {@link EmbeddedInfraFailureAnalyzer} turns it
 * into Spring Boot's short "application failed to start" report.
 */
public final class EmbeddedInfraUnavailableException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String infraClass;

  EmbeddedInfraUnavailableException(String infraClass) {
    super(
        "Embedded mode (sec.embedded=true, or no spring.datasource.url set) starts PostgreSQL and"
            + " Kafka from io.sagacoord:sec-testkit, which is not on this class path (no "
            + infraClass
            + ")");
    this.infraClass = infraClass;
  }

  /** The test kit's class that was looked for. */
  public String infraClass() {
    return infraClass;
  }
}
