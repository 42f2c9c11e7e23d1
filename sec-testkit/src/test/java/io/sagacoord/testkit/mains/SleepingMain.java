package io.sagacoord.testkit.mains;

/** A child JVM that announces itself and then sleeps until killed. */
public final class SleepingMain {
  private SleepingMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("sleeping, pid=" + ProcessHandle.current().pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
