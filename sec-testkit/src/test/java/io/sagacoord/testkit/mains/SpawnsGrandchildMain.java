package io.sagacoord.testkit.mains;

import io.sagacoord.testkit.JavaProcess;
import java.time.Duration;

/**
 * An intermediate child JVM: starts a sleeping grandchild through the test kit, prints its PID, and
 * sleeps. Killing this process must make the grandchild's watchdog halt the grandchild.
 */
public final class SpawnsGrandchildMain {
  private SpawnsGrandchildMain() {}

  public static void main(String[] args) throws InterruptedException {
    JavaProcess grandchild =
        JavaProcess.builder(SleepingMain.class.getName()).name("grandchild").start();
    grandchild.awaitLogLine("sleeping", Duration.ofSeconds(60));
    System.out.println("grandchild pid=" + grandchild.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
