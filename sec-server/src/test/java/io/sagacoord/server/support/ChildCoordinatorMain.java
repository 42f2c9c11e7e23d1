package io.sagacoord.server.support;

import io.sagacoord.server.SecApplication;
import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Main class of a coordinator run as a child process by the crash test: the trip saga on topics
 * with the suffix given in {@code -Dtest.suffix}; every Spring property comes as a system property.
 */
public final class ChildCoordinatorMain {
  private ChildCoordinatorMain() {}

  public static void main(String[] args) {
    String suffix = System.getProperty("test.suffix");
    new SpringApplicationBuilder(SecApplication.class)
        .initializers(
            ctx ->
                ctx.getBeanFactory()
                    .registerSingleton(
                        "crashTrip", TestSagas.trip(suffix, 1, Duration.ofSeconds(10))))
        .run(args);
  }
}
