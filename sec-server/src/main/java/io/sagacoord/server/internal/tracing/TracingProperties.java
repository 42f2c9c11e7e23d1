package io.sagacoord.server.internal.tracing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tracing ({@code sec.tracing.*}). Off unless {@code otlp-endpoint} is set or the standard
 * OpenTelemetry environment names an exporter ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, or {@code OTEL_TRACES_EXPORTER} other than {@code none});
 * {@code OTEL_SDK_DISABLED=true} keeps it off. Every other {@code OTEL_*} variable (and {@code
 * otel.*} system property) is honoured and wins over these settings.
 *
 * @param otlpEndpoint the collector's OTLP/HTTP address, e.g. {@code http://otel-collector:4318};
 *     default none
 * @param serviceName the {@code service.name} of the coordinator's spans; default {@code
 *     sec-server}
 * @param exportInterval how long finished spans wait before they are exported in a batch; default 5
 *     s
 */
@ConfigurationProperties("sec.tracing")
public record TracingProperties(
    String otlpEndpoint,
    @DefaultValue("sec-server") String serviceName,
    @DefaultValue("5s") Duration exportInterval) {}
