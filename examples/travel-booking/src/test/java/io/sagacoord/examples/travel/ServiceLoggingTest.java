package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import io.sagacoord.participant.Participant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The services of the example log as the coordinator does: what the participant SDK writes to
 * {@link System.Logger} reaches SLF4J and logback, whose console pattern is Spring Boot's.
 */
class ServiceLoggingTest {

  @Test
  void participantSdkLogsThroughSlf4jIntoLogbacksConsoleInTheCoordinatorsPattern() {
    System.Logger sdk = System.getLogger(Participant.class.getName());
    assertThat(sdk.getClass().getName()).startsWith("org.slf4j.");
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("CONSOLE");
    String pattern = ((PatternLayoutEncoder) console.getEncoder()).getPattern();
    assertThat(pattern).contains("--- ").contains("%-40.40logger{39}").contains("%clr(");
  }
}
