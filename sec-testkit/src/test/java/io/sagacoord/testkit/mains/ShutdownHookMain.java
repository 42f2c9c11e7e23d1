package io.sagacoord.testkit.mains;

/**
 * A child JVM like {@link SleepingMain} with a slow shutdown hook that says when it has run. The
 * hook's pause stands for a Spring context's close: it is the work under test, not a wait.
 */
public final class ShutdownHookMain {
  private ShutdownHookMain() {}

  public static void main(String[] args) throws InterruptedException {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Thread.sleep(2000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  System.out.println("shutdown hook ran");
                  System.out.flush();
                }));
    SleepingMain.main(args);
  }
}
