package io.sagacoord.participant.internal;

/**
 * Test hook for crash tests: when the system property {@value #PROPERTY} names a point, the JVM
 * halts there (no shutdown hooks, like a SIGKILL). Points: {@value #AFTER_COMMIT_BEFORE_PUBLISH}.
 */
public final class CrashPoints {
  public static final String PROPERTY = "saga.participant.crashPoint";
  public static final String AFTER_COMMIT_BEFORE_PUBLISH = "after-commit-before-publish";
  static final int EXIT_STATUS = 86;

  private CrashPoints() {}

  public static void reached(String point) {
    if (point.equals(System.getProperty(PROPERTY))) {
      System.err.println("saga participant: crash point " + point + " reached, halting");
      System.err.flush();
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }
}
