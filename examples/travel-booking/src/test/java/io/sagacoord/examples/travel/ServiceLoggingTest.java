package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import io.sagacoord.participant.Participant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

  @Test
  void logFormatJsonWritesOneJsonObjectPerLineWithTheMdc() throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(((LoggerContext) LoggerFactory.getILoggerFactory()).getMDCAdapter());
    context.putProperty("LOG_FORMAT", "JSON");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      configurator.doConfigure(getClass().getResource("/logback.xml"));
      MDC.put("sagaId", "6f1c0000-0000-4000-8000-000000000001");
      context.getLogger("io.sagacoord.examples.travel").warn("car reserved");
    } finally {
      MDC.clear();
      System.setOut(stdout);
      context.stop();
    }
    String line =
        out.toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("car reserved"))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no JSON line; output: " + out + "; status: " + statusOf(context)));
    JsonNode json = JsonMapper.builder().build().readTree(line);
    assertThat(json.path("level").asString()).isEqualTo("WARN");
    assertThat(json.path("message").asString()).isEqualTo("car reserved");
    assertThat(line).contains("sagaId").contains("6f1c0000-0000-4000-8000-000000000001");
  }

  @ParameterizedTest
  @ValueSource(strings = {"CONSOLE", "JSON"})
  void eachLogFormatDefinesOnlyItsAppenderAndConfiguresWithoutAWarning(String format)
      throws Exception {
    LoggerContext context = new LoggerContext();
    context.putProperty("LOG_FORMAT", format);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(getClass().getResource("/logback.xml"));
      Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      assertThat(root.getAppender(format)).isNotNull();
      assertThat(root.iteratorForAppenders()).toIterable().hasSize(1);
      assertThat(context.getStatusManager().getCopyOfStatusList())
          .as("logback's notes on the configuration: %s", statusOf(context))
          .noneMatch(st -> st.getLevel() >= Status.WARN);
    } finally {
      context.stop();
    }
  }

  private static String statusOf(LoggerContext context) {
    StringBuilder text = new StringBuilder();
    context.getStatusManager().getCopyOfStatusList().forEach(st -> text.append(st).append('\n'));
    return text.toString();
  }
}
