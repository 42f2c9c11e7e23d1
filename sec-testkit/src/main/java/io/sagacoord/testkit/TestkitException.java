package io.sagacoord.testkit;

/** Root of every exception the test kit throws; unchecked so tests need not declare it. */
public class TestkitException extends RuntimeException {
  public TestkitException(String message) {
    super(message);
  }

  public TestkitException(String message, Throwable cause) {
    super(message, cause);
  }
}
