package io.sagacoord.protocol;

/** A message does not follow the saga protocol: a header is missing or has a bad value. */
public class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message);
  }
}
