package io.sagacoord.bridge;

/**
 * Test hook for crash tests: when the system property {@value #PROPERTY} names a point, the bridge
 * stops there for good (the handler thread never returns, so nothing after the point is committed
 * or sent) and says so on standard error, for the test to SIGKILL the process. Point: {@value
 * #AFTER_CALL_BEFORE_COMMIT}, after the service answered a call and before the bridge's inbox
 * transaction records it. Never set it in production.
 */
final class CrashPoint {
  static final String PROPERTY = "saga.bridge.crashPoint";
  static final String AFTER_CALL_BEFORE_COMMIT = "after-call-before-commit";

  private CrashPoint() {}

  static void reached(String point) {
    if (!point.equals(System.getProperty(PROPERTY))) {
      return;
    }
    System.err.println("saga bridge: crash point " + point + " reached, waiting to be killed");
    System.err.flush();
    Object never = new Object();
    synchronized (never) {
      while (true) {
        try {
          never.wait();
        } catch (InterruptedException e) {
          // only a kill ends this thread: an interrupt (a shutdown) must not let it commit
        }
      }
    }
  }
}
