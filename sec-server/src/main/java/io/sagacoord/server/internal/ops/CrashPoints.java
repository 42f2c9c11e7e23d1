package io.sagacoord.server.internal.ops;

import io.sagacoord.server.config.SecProperties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

/**
 * Test hook for the crash test: with {@code sec.test.crash-point=<name>} the process halts (exit
 * code 137, no shutdown hooks, like a SIGKILL) on the {@code sec.test.crash-after}-th pass through
 * that point. Does nothing unless configured.
 */
@Component
public class CrashPoints {

  public static final String AFTER_DB_COMMIT_BEFORE_PUBLISH = "after-db-commit-before-publish";
  public static final String AFTER_PUBLISH_BEFORE_OFFSET_COMMIT =
      "after-publish-before-offset-commit";
  public static final String MID_COMPENSATION = "mid-compensation";

  private static final Log log = LogFactory.getLog(CrashPoints.class);

  private final String armed;
  private final int after;
  private final AtomicInteger passes = new AtomicInteger();

  public CrashPoints(SecProperties properties) {
    String point = properties.test().crashPoint();
    this.armed = point == null || point.isBlank() ? null : point;
    this.after = properties.test().crashAfter();
    if (armed != null) {
      if (!armed.equals(AFTER_DB_COMMIT_BEFORE_PUBLISH)
          && !armed.equals(AFTER_PUBLISH_BEFORE_OFFSET_COMMIT)
          && !armed.equals(MID_COMPENSATION)) {
        throw new IllegalArgumentException("sec.test.crash-point: unknown crash point " + armed);
      }
      log.warn("Crash point armed: " + armed + " halts on pass " + after);
    }
  }

  /** Marks a pass through the named point; halts the JVM on the configured pass. */
  public void pass(String point) {
    if (armed != null && armed.equals(point) && passes.incrementAndGet() == after) {
      // stderr directly: the logging system may buffer, and halt() flushes nothing
      System.err.println("CRASH POINT " + point + " reached (pass " + after + "), halting");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
