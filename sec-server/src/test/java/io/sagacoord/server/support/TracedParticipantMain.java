package io.sagacoord.server.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.Participant;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/**
 * A participant on the participant SDK, run as a child process: it handles the steps of {@code
 * -Dtest.steps} (commands {@code <step>.do}, compensations {@code <step>.undo}) by the scenario in
 * the {@link TestData}: {@code fail} at its step answers a business failure, {@code tech} throws (a
 * technical failure) on the first {@code failTimes} attempts, anything else succeeds. Its inbox
 * lives in the database of {@code -Dtest.jdbc-url}.
 *
 * <p>Tracing is set up by the OpenTelemetry SDK's autoconfiguration from the process's {@code
 * OTEL_*} environment when {@code -Dtest.traced=true}; otherwise the participant gets no
 * OpenTelemetry at all (the SDK's default).
 */
public final class TracedParticipantMain {

  /** Printed once the participant has started. */
  public static final String READY = "traced participant ready";

  private TracedParticipantMain() {}

  /**
   * Starts the participant as a child JVM and waits until it runs.
   *
   * @param otlpEndpoint where its spans go; null for a participant without tracing
   */
  public static JavaProcess start(
      String name,
      KafkaInfra kafka,
      TestDatabase db,
      String commandTopic,
      String registryTopic,
      List<String> steps,
      String otlpEndpoint) {
    JavaProcess.Builder builder =
        JavaProcess.builder(TracedParticipantMain.class.getName())
            .name(name)
            .systemProperty("test.bootstrap-servers", kafka.bootstrapServers())
            .systemProperty("test.participant", name)
            .systemProperty("test.topic", commandTopic)
            .systemProperty("test.registry-topic", registryTopic)
            .systemProperty("test.steps", String.join(",", steps))
            .systemProperty("test.jdbc-url", db.jdbcUrl())
            .systemProperty("test.db-user", db.username())
            .systemProperty("test.db-password", db.password())
            .systemProperty("test.traced", Boolean.toString(otlpEndpoint != null))
            .jvmArg("-Xmx160m")
            .jvmArg("-XX:TieredStopAtLevel=1");
    if (otlpEndpoint != null) {
      builder
          .env("OTEL_SERVICE_NAME", name)
          .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint)
          .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
          .env("OTEL_TRACES_EXPORTER", "otlp")
          .env("OTEL_METRICS_EXPORTER", "none")
          .env("OTEL_LOGS_EXPORTER", "none")
          .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    }
    JavaProcess child = builder.start();
    try {
      child.awaitLogLine(READY, Duration.ofSeconds(90));
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
    return child;
  }

  public static void main(String[] args) throws InterruptedException {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
    ((Logger) LoggerFactory.getLogger("org.apache.kafka")).setLevel(Level.WARN);
    String name = required("test.participant");
    PGSimpleDataSource db = new PGSimpleDataSource();
    db.setUrl(required("test.jdbc-url"));
    db.setUser(required("test.db-user"));
    db.setPassword(System.getProperty("test.db-password", ""));
    OpenTelemetry openTelemetry =
        Boolean.getBoolean("test.traced")
            ? AutoConfiguredOpenTelemetrySdk.initialize().getOpenTelemetrySdk()
            : OpenTelemetry.noop();
    Participant.Builder builder =
        Participant.builder(name)
            .kafka(Map.of("bootstrap.servers", required("test.bootstrap-servers")))
            .dataSource(db)
            .commandTopic(required("test.topic"))
            .registryTopic(required("test.registry-topic"))
            // a technical failure is answered at once: the coordinator's retry is what is traced
            .localRetries(LocalRetryPolicy.none())
            .openTelemetry(openTelemetry);
    for (String step : required("test.steps").split(",")) {
      builder
          .onCommand(
              step + ".do",
              TestData.class,
              (ctx, data) -> {
                if (step.equals(data.failAt()) && "fail".equals(data.scenario())) {
                  return Outcome.businessFailure(step + " refused");
                }
                if (step.equals(data.failAt())
                    && "tech".equals(data.scenario())
                    && ctx.attempt() <= data.failTimes()) {
                  throw new IllegalStateException(step + " failed technically");
                }
                return Outcome.done();
              })
          .onCompensation(step + ".undo", TestData.class, (ctx, data) -> Outcome.done());
    }
    Participant participant = builder.build();
    participant.start();
    System.out.println(READY + " on " + participant.commandTopic());
    // runs until stopped; the SDK's threads keep working meanwhile
    new CountDownLatch(1).await();
  }

  private static String required(String key) {
    String value = System.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("system property " + key + " is required");
    }
    return value;
  }
}
