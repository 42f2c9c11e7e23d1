package io.sagacoord.testkit;

import java.nio.file.Path;

/**
 * A child process (a JVM or a Kafka broker started by the test kit) failed to start, did not become
 * ready, or did not print an expected line. The message carries the tail of its log.
 */
public class ChildProcessException extends TestkitException {
  private final String processName;
  private final Path logFile;

  public ChildProcessException(String processName, Path logFile, String message) {
    super(message);
    this.processName = processName;
    this.logFile = logFile;
  }

  public ChildProcessException(String processName, Path logFile, String message, Throwable cause) {
    super(message, cause);
    this.processName = processName;
    this.logFile = logFile;
  }

  public String processName() {
    return processName;
  }

  /** The child's log file, or {@code null} when the failure happened before it had one. */
  public Path logFile() {
    return logFile;
  }
}
