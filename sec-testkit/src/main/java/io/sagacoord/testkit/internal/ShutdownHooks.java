package io.sagacoord.testkit.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/** One JVM shutdown hook that closes what the test kit started, newest first. */
public final class ShutdownHooks {
  private static final Deque<AutoCloseable> RESOURCES = new ArrayDeque<>();
  private static boolean registered;

  private ShutdownHooks() {}

  public static synchronized void closeOnExit(AutoCloseable resource) {
    if (!registered) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ShutdownHooks::closeAll, "sec-testkit-shutdown"));
      registered = true;
    }
    RESOURCES.push(resource);
  }

  public static synchronized void forget(AutoCloseable resource) {
    RESOURCES.remove(resource);
  }

  private static void closeAll() {
    while (true) {
      AutoCloseable next;
      synchronized (ShutdownHooks.class) {
        next = RESOURCES.poll();
      }
      if (next == null) {
        return;
      }
      try {
        next.close();
      } catch (Exception | LinkageError e) {
        System.err.println("[sec-testkit] closing " + next + " at exit failed: " + e);
      }
    }
  }
}
