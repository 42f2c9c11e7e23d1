package io.sagacoord.testkit.mains;

/** A child JVM that sleeps until stopped and says so from a slow shutdown hook. */
public final class ShutdownHookMain {
  private ShutdownHookMain() {}

  public static void main(String[] args) throws InterruptedException {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // a hook that takes a while, as a Spring context's close does
                  try {
                    Thread.sleep(2000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  System.out.println("shutdown hook ran");
                  System.out.flush();
                }));
    System.out.println("waiting for a signal");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
