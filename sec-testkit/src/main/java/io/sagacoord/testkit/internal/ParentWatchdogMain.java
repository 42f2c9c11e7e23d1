package io.sagacoord.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * Entry point of every child JVM the test kit starts: {@code ParentWatchdogMain <parent pid> <main
 * class> <args...>}. It starts daemon threads that halt this JVM as soon as the parent is gone,
 * then runs the real main class in the same JVM.
 *
 * <p>Why: a CI timeout kills the test JVM with SIGKILL, so no shutdown hook of the parent runs; a
 * broker or coordinator it started would otherwise live on, hold ports and disturb the next run.
 * Two signals, either is enough: end of file on standard input (the parent holds the write end of
 * the pipe; the kernel closes it when the parent dies, however it dies) and a poll of the parent's
 * PID every 500 ms (covers a child whose stdin was handed to someone else).
 */
public final class ParentWatchdogMain {
  /** When "true", EOF on stdin means the parent is gone; set by JavaProcess, which pipes stdin. */
  public static final String WATCH_STDIN_PROPERTY = "sec.testkit.watch-stdin";

  /** Exit status of a child halted because its parent vanished. */
  public static final int PARENT_GONE_EXIT_CODE = 86;

  private ParentWatchdogMain() {}

  public static void main(String[] args) throws Throwable {
    if (args.length < 2) {
      System.err.println(
          "usage: ParentWatchdogMain <parent pid> <main class> [args...]; got "
              + Arrays.toString(args));
      System.exit(2);
    }
    long parentPid = Long.parseLong(args[0]);
    String mainClass = args[1];
    String[] mainArgs = Arrays.copyOfRange(args, 2, args.length);

    watchParentPid(parentPid);
    if (Boolean.getBoolean(WATCH_STDIN_PROPERTY)) {
      watchStdin(parentPid);
    }

    Method main =
        Class.forName(mainClass, true, Thread.currentThread().getContextClassLoader())
            .getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) mainArgs);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void watchParentPid(long parentPid) {
    Thread t =
        new Thread(
            () -> {
              Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
              while (true) {
                if (parent.isEmpty() || !parent.get().isAlive()) {
                  halt("parent process " + parentPid + " is gone");
                }
                try {
                  Thread.sleep(500);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "sec-testkit-parent-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private static void watchStdin(long parentPid) {
    InputStream stdin = System.in;
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[256];
              try {
                while (stdin.read(buffer) != -1) {
                  // the parent never writes; anything read is ignored
                }
              } catch (IOException e) {
                // a broken pipe means the same as EOF
              }
              halt("standard input closed: parent process " + parentPid + " is gone");
            },
            "sec-testkit-stdin-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private static void halt(String reason) {
    System.err.println("[sec-testkit watchdog] " + reason + "; halting this JVM");
    System.err.flush();
    // halt, not exit: shutdown hooks of the real main could block on the dead parent
    Runtime.getRuntime().halt(PARENT_GONE_EXIT_CODE);
  }
}
