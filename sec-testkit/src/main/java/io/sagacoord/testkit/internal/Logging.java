package io.sagacoord.testkit.internal;

import java.util.List;
import org.slf4j.LoggerFactory;

/** Keeps an in-process broker from flooding the test output. */
final class Logging {
  private static final List<String> NOISY =
      List.of("kafka", "org.apache.kafka", "state.change.logger", "io.zonky", "org.testcontainers");

  private Logging() {}

  /**
   * Sets WARN on Kafka's loggers when logback is the binding and nobody configured those loggers:
   * logback's default is DEBUG for everything, and a broker at DEBUG writes megabytes per test.
   */
  static void quietKafkaLoggers() {
    try {
      for (String name : NOISY) {
        org.slf4j.Logger logger = LoggerFactory.getLogger(name);
        if (logger instanceof ch.qos.logback.classic.Logger lb && lb.getLevel() == null) {
          lb.setLevel(ch.qos.logback.classic.Level.WARN);
        }
      }
    } catch (LinkageError e) {
      // logback excluded by the user: their logging setup decides
    }
  }
}
