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
