package io.sagacoord.server.support;

import io.sagacoord.server.SecApplication;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Main class of a coordinator run as a child process by the crash test: the trip saga on topics
 * with the suffix given in {@code -Dtest.suffix} and the step timeout in {@code
 * -Dtest.step-timeout} (default 10 s); every Spring property comes as a system property. Given
 * {@code -Dtest.clock-offset} (an ISO-8601 duration), the coordinator's clock runs that far ahead
 * of the system clock, as if the coordinator had been away that much longer.
 */
public final class ChildCoordinatorMain {
  private ChildCoordinatorMain() {}

  public static void main(String[] args) {
    String suffix = System.getProperty("test.suffix");
    Duration timeout = Duration.parse(System.getProperty("test.step-timeout", "PT10S"));
    String offset = System.getProperty("test.clock-offset");
    new SpringApplicationBuilder(SecApplication.class)
        .initializers(
            ctx -> {
              ctx.getBeanFactory()
                  .registerSingleton("crashTrip", TestSagas.trip(suffix, 1, timeout));
              if (offset != null) {
                ctx.getBeanFactory()
                    .registerSingleton(
                        "clock", Clock.offset(Clock.systemUTC(), Duration.parse(offset)));
              }
            })
        .run(args);
  }
}
