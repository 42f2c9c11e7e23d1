package io.sagacoord.server.internal.ops;

/** How the coordinator's loops classify what definition code or a dependency threw. */
public final class Failures {

  private Failures() {}

  /**
   * Whether {@code t} leaves the JVM in doubt (out of memory, internal error): such errors are not
   * blamed on one saga. A {@link StackOverflowError} is not fatal: it comes from the code that
   * overflowed, and the stack is unwound by the time it is caught.
   */
  public static boolean isFatal(Throwable t) {
    return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
  }

  /** Rethrows {@code t} if it is {@linkplain #isFatal fatal}; otherwise does nothing. */
  public static void rethrowIfFatal(Throwable t) {
    if (isFatal(t)) {
      throw (VirtualMachineError) t;
    }
  }

  /**
   * Whether {@code t} is a database conflict that the same work, tried again, gets past: a deadlock
   * or serialization failure (SQLSTATE class 40) or a lock not available (55P03), found anywhere in
   * its causes. Such a failure says nothing about the saga at hand, so it is never blamed on it
   * (quarantined, logged as its failure): the whole transaction is rolled back and tried again.
   */
  public static boolean isTransient(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("40") || state.equals("55P03")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * One line for a log: the innermost cause's class and message (a database or broker outage is
   * told by its cause; the wrapping layers add nothing an operator needs).
   */
  public static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
  }

  /**
   * Logs a failure the coordinator recovers from as one WARN line, {@code what} and the innermost
   * cause ({@link #describe}); the stack trace goes to DEBUG. An outage fails many batches alike,
   * and a trace per batch would bury the cause.
   */
  public static void warnBriefly(org.apache.commons.logging.Log log, String what, Throwable e) {
    log.warn(what + ": " + describe(e));
    log.debug(what, e);
  }
}
