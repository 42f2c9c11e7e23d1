package io.sagacoord.server.support;

import io.sagacoord.server.SecApplication;
import io.sagacoord.testkit.MovableClock;
import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Main class of a coordinator run as a child process by the crash tests: the trip saga on topics
 * with the suffix given in {@code -Dtest.suffix} and the step timeout in {@code
 * -Dtest.step-timeout} (default 10 s); every Spring property comes as a system property. Given the
 * file of a {@link MovableClock} in {@code -Dsec.testkit.clock} ({@link MovableClock#PROPERTY}),
 * that clock is the coordinator's: the test moves it to make step timeouts come due.
 */
public final class ChildCoordinatorMain {
  private ChildCoordinatorMain() {}

  public static void main(String[] args) {
    String suffix = System.getProperty("test.suffix");
    Duration timeout = Duration.parse(System.getProperty("test.step-timeout", "PT10S"));
    new SpringApplicationBuilder(SecApplication.class)
        .initializers(
            ctx -> {
              ctx.getBeanFactory()
                  .registerSingleton("crashTrip", TestSagas.trip(suffix, 1, timeout));
              MovableClock.fromSystemProperty()
                  .ifPresent(clock -> ctx.getBeanFactory().registerSingleton("clock", clock));
            })
        .run(args);
  }
}
