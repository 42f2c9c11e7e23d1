package io.sagacoord.server.internal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.storage.OutboxRow;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class SagaTracingTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";

  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(exported))
                  .build())
          .build();
  private final UUID sagaId = UUID.randomUUID();

  @AfterEach
  void tearDown() {
    sdk.close();
    MDC.clear();
  }

  @Test
  void aStartContinuesTheCallersTraceAndItsCommandsCarryItsContextAndTheSendSpans() {
    SagaTracing tracing = new SagaTracing(sdk, new TraceStore(null), () -> {});
    Context caller =
        Context.root()
            .with(
                Span.wrap(
                    SpanContext.createFromRemoteParent(
                        TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault())));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SagaHeaders.SAGA_TYPE, "trip");
    headers.put(SagaHeaders.STEP, "flight");
    headers.put(SagaHeaders.PHASE, "forward");
    headers.put(SagaHeaders.ATTEMPT, "1");
    SpanContext started;
    try (SagaTracing.Event event = tracing.sagaStarted(sagaId, "trip", caller)) {
      started = event.context();
      assertThat(MDC.get("sagaId")).isEqualTo(sagaId.toString());
      assertThat(MDC.get("traceId")).isEqualTo(TRACE);
      SagaTracing.putTraceparent(headers);
    }
    assertThat(MDC.get("sagaId")).isNull();
    assertThat(headers.get(SagaHeaders.TRACEPARENT))
        .isEqualTo("00-" + TRACE + "-" + started.getSpanId() + "-01");

    String sent =
        tracing.sending(
            new OutboxRow(
                1L, sagaId, "saga.flight.commands", sagaId.toString(), headers, "{}", null));

    List<SpanData> spans = exported.getFinishedSpanItems();
    assertThat(spans)
        .extracting(SpanData::getName)
        .containsExactly("saga start trip", "send flight forward");
    assertThat(spans.get(0).getParentSpanId()).isEqualTo(CALLER);
    SpanData send = spans.get(1);
    assertThat(send.getTraceId()).isEqualTo(TRACE);
    assertThat(send.getParentSpanId()).isEqualTo(started.getSpanId());
    assertThat(sent).isEqualTo("00-" + TRACE + "-" + send.getSpanId() + "-01");
  }

  @Test
  void aReplyIsAppliedInAChildSpanOfTheParticipantsSpan() {
    SagaTracing tracing = new SagaTracing(sdk, new TraceStore(null), () -> {});
    try (SagaTracing.Event event =
        tracing.replyApplied(
            "00-" + TRACE + "-" + CALLER + "-01",
            sagaId,
            "trip",
            "flight",
            "forward",
            2,
            "SUCCESS",
            "flight-service")) {
      assertThat(MDC.get("sagaStep")).isEqualTo("flight");
      assertThat(MDC.get("spanId")).isEqualTo(event.context().getSpanId());
    }
    SpanData reply = exported.getFinishedSpanItems().get(0);
    assertThat(reply.getName()).isEqualTo("reply flight forward");
    assertThat(reply.getParentSpanId()).isEqualTo(CALLER);
    assertThat(reply.getAttributes().get(SagaTracing.SAGA_ATTEMPT)).isEqualTo(2L);
    assertThat(reply.getAttributes().get(SagaTracing.SAGA_OUTCOME)).isEqualTo("SUCCESS");
    assertThat(reply.getAttributes().get(SagaTracing.SAGA_ID)).isEqualTo(sagaId.toString());
  }

  @Test
  void offCreatesNoSpanAddsNoContextButStillFillsTheMdc() {
    SagaTracing tracing = new SagaTracing(OpenTelemetry.noop(), new TraceStore(null), () -> {});
    Map<String, String> headers = new HashMap<>();
    assertThat(tracing.enabled()).isFalse();
    try (SagaTracing.Event event = tracing.sagaStarted(sagaId, "trip", tracing.caller())) {
      assertThat(event.context().isValid()).isFalse();
      assertThat(MDC.get("sagaId")).isEqualTo(sagaId.toString());
      assertThat(MDC.get("traceId")).isNull();
      SagaTracing.putTraceparent(headers);
    }
    // the store is never asked (it has no database here)
    try (SagaTracing.Event event =
        tracing.timerFired(sagaId, "trip", "RETRY", "flight", "forward", 1)) {
      assertThat(MDC.get("sagaStep")).isEqualTo("flight");
    }
    tracing.started(Map.of(sagaId, SpanContext.getInvalid()), java.util.Set.of(sagaId));
    assertThat(headers).doesNotContainKey(SagaHeaders.TRACEPARENT);
    assertThat(exported.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void tracingIsOnOnlyWhenAnEndpointOrAnExporterIsConfigured() {
    TracingProperties none = new TracingProperties(null, "sec-server", Duration.ofSeconds(5));
    TracingProperties endpoint =
        new TracingProperties("http://collector:4318", "sec-server", Duration.ofSeconds(5));
    Map<String, String> empty = Map.of();
    assertThat(TracingConfiguration.enabled(none, empty::get, empty::get)).isFalse();
    assertThat(TracingConfiguration.enabled(endpoint, empty::get, empty::get)).isTrue();
    Map<String, String> envEndpoint = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
    assertThat(TracingConfiguration.enabled(none, envEndpoint::get, empty::get)).isTrue();
    Map<String, String> exporterNone =
        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none");
    assertThat(TracingConfiguration.enabled(none, exporterNone::get, empty::get)).isFalse();
    Map<String, String> disabled = Map.of("otel.sdk.disabled", "true");
    assertThat(TracingConfiguration.enabled(endpoint, empty::get, disabled::get)).isFalse();
    Map<String, String> sysExporter = Map.of("otel.traces.exporter", "otlp");
    assertThat(TracingConfiguration.enabled(none, empty::get, sysExporter::get)).isTrue();
    assertThat(TracingConfiguration.sdk(none, empty::get, empty::get)).isNull();
  }

  @Test
  void aStoredContextIsTwentyFiveBytesAndReadsBack() {
    SpanContext context =
        SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault());
    String hex = TraceStore.encode(context);
    assertThat(hex).hasSize(50);
    SpanContext back = TraceStore.decode(hex);
    assertThat(back.getTraceId()).isEqualTo(TRACE);
    assertThat(back.getSpanId()).isEqualTo(CALLER);
    assertThat(back.isSampled()).isTrue();
    assertThat(TraceStore.decode("zz").isValid()).isFalse();
  }
}
