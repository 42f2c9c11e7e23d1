package io.sagacoord.bench.internal;

/** The benchmark's root exception: a run that could not be set up or measured. */
public class BenchException extends RuntimeException {
  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
