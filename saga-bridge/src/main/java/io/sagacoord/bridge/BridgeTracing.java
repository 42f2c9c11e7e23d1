package io.sagacoord.bridge;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bridge's tracing: on when the standard OpenTelemetry environment names an exporter ({@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, or {@code
 * OTEL_TRACES_EXPORTER} other than {@code none}) and {@code OTEL_SDK_DISABLED} is not {@code true}.
 * The SDK then records a span per command handled (see {@code Participant.Builder#openTelemetry})
 * and the bridge passes its context to the service in a {@code traceparent} header.
 */
final class BridgeTracing {

  private BridgeTracing() {}

  /** The SDK configured from {@code env}, or null when tracing is off. */
  static OpenTelemetrySdk fromEnvironment(String participant, Map<String, String> env) {
    if (!enabled(env)) {
      return null;
    }
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", "saga-bridge-" + participant);
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
  }

  static boolean enabled(Map<String, String> env) {
    if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
      return false;
    }
    String exporter = env.get("OTEL_TRACES_EXPORTER");
    if (exporter != null && !exporter.isBlank()) {
      return !exporter.trim().toLowerCase(Locale.ROOT).equals("none");
    }
    return present(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || present(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
  }

  /** The current span's context as a W3C {@code traceparent}, if a span is current. */
  static Optional<String> traceparent() {
    SpanContext context = Span.current().getSpanContext();
    if (!context.isValid()) {
      return Optional.empty();
    }
    return Optional.of(
        "00-"
            + context.getTraceId()
            + "-"
            + context.getSpanId()
            + "-"
            + context.getTraceFlags().asHex());
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
