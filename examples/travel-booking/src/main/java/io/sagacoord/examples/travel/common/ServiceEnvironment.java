package io.sagacoord.examples.travel.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration of a service running as its own process, from environment variables (or system
 * properties of the same name): {@code KAFKA_BOOTSTRAP}, {@code JDBC_URL}, {@code JDBC_USER},
 * {@code JDBC_PASSWORD}; tracing from the standard {@code OTEL_*} variables. See {@code
 * docs/deploy.md}.
 */
public final class ServiceEnvironment {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceEnvironment.class);
  private static OpenTelemetry openTelemetry;

  private ServiceEnvironment() {}

  /**
   * Where the services' participants record their spans: an OpenTelemetry SDK configured from the
   * {@code OTEL_*} variables when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set (and {@code
   * OTEL_TRACES_EXPORTER} is not {@code none}), else none at all. One per process.
   */
  public static synchronized OpenTelemetry openTelemetry() {
    if (openTelemetry == null) {
      String endpoint = optional("OTEL_EXPORTER_OTLP_ENDPOINT", "");
      boolean on =
          !endpoint.isBlank()
              && !"none".equalsIgnoreCase(optional("OTEL_TRACES_EXPORTER", "otlp").trim())
              && !"true".equalsIgnoreCase(optional("OTEL_SDK_DISABLED", "false").trim());
      openTelemetry =
          on
              ? AutoConfiguredOpenTelemetrySdk.builder()
                  .addPropertiesSupplier(
                      () ->
                          Map.of(
                              "otel.service.name", "travel-booking",
                              "otel.exporter.otlp.protocol", "http/protobuf",
                              "otel.metrics.exporter", "none",
                              "otel.logs.exporter", "none"))
                  .build()
                  .getOpenTelemetrySdk()
              : OpenTelemetry.noop();
    }
    return openTelemetry;
  }

  /** A required setting; fails with a message naming it. */
  public static String required(String name) {
    String value = optional(name, null);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          name + " is not set: see docs/deploy.md for the settings of each service");
    }
    return value;
  }

  public static String optional(String name, String fallback) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null ? fallback : value;
  }

  /** Kafka settings for the participant SDK. */
  public static Map<String, Object> kafka() {
    return Map.of("bootstrap.servers", required("KAFKA_BOOTSTRAP"));
  }

  /** A connection pool on the service's own database. */
  public static HikariDataSource database(String poolName) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(poolName);
    config.setJdbcUrl(required("JDBC_URL"));
    config.setUsername(optional("JDBC_USER", "postgres"));
    config.setPassword(optional("JDBC_PASSWORD", ""));
    config.setMaximumPoolSize(Integer.parseInt(optional("JDBC_POOL_SIZE", "8")));
    return new HikariDataSource(config);
  }

  /** Blocks until the JVM is asked to stop, then closes the given resources in reverse order. */
  public static void runUntilStopped(AutoCloseable... resources) throws InterruptedException {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (int i = resources.length - 1; i >= 0; i--) {
                    try {
                      resources[i].close();
                    } catch (Exception e) {
                      LOG.warn("stopping {} failed: {}", resources[i], e.toString());
                    }
                  }
                  stopped.countDown();
                },
                "service-stop"));
    stopped.await();
  }
}
