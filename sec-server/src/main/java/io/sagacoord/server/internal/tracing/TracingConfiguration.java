package io.sagacoord.server.internal.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The coordinator's OpenTelemetry SDK, built by the SDK's own autoconfiguration so that the
 * standard {@code OTEL_*} variables work as operators know them; no SDK at all when tracing is off.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TracingProperties.class)
public class TracingConfiguration {

  private static final Log log = LogFactory.getLog(TracingConfiguration.class);

  @Bean(destroyMethod = "close")
  SagaTracing sagaTracing(TracingProperties properties, JdbcClient jdbc) {
    OpenTelemetrySdk sdk = sdk(properties, System::getenv, System::getProperty);
    TraceStore store = new TraceStore(jdbc);
    if (sdk == null) {
      return new SagaTracing(OpenTelemetry.noop(), store, () -> {});
    }
    log.info("Tracing on: spans of sagas are exported over OTLP");
    return new SagaTracing(sdk, store, sdk::close);
  }

  /**
   * The SDK when tracing is configured, else null.
   *
   * @param env the environment (variables)
   * @param system the system properties
   */
  static OpenTelemetrySdk sdk(
      TracingProperties properties, Function<String, String> env, Function<String, String> system) {
    if (!enabled(properties, env, system)) {
      return null;
    }
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", properties.serviceName());
    defaults.put("otel.traces.exporter", "otlp");
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    // metrics go to /actuator/prometheus and logs to the console: only traces are exported
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    defaults.put(
        "otel.bsp.schedule.delay", Long.toString(properties.exportInterval().toMillis()) + "ms");
    if (properties.otlpEndpoint() != null && !properties.otlpEndpoint().isBlank()) {
      defaults.put("otel.exporter.otlp.endpoint", properties.otlpEndpoint());
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
  }

  /** Whether tracing is configured: an endpoint in the settings or an exporter in the env. */
  static boolean enabled(
      TracingProperties properties, Function<String, String> env, Function<String, String> system) {
    if ("true".equalsIgnoreCase(setting(env, system, "otel.sdk.disabled"))) {
      return false;
    }
    if (properties.otlpEndpoint() != null && !properties.otlpEndpoint().isBlank()) {
      return true;
    }
    String exporter = setting(env, system, "otel.traces.exporter");
    if (exporter != null && !exporter.isBlank()) {
      return !exporter.trim().toLowerCase(Locale.ROOT).equals("none");
    }
    return present(setting(env, system, "otel.exporter.otlp.endpoint"))
        || present(setting(env, system, "otel.exporter.otlp.traces.endpoint"));
  }

  /**
   * A setting as a system property ({@code otel.x.y}) or environment variable ({@code OTEL_X_Y}).
   */
  private static String setting(
      Function<String, String> env, Function<String, String> system, String name) {
    String value = system.apply(name);
    if (value != null) {
      return value;
    }
    return env.apply(name.toUpperCase(Locale.ROOT).replace('.', '_'));
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
