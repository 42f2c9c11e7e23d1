package io.sagacoord.bridge;

import static io.sagacoord.bridge.BridgeFixture.header;
import static io.sagacoord.bridge.ScriptedService.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sagacoord.bridge.BridgeFixture.Command;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A tracing bridge: its span per command joins the coordinator's trace and reaches the service. */
@SagaInfraTest
class BridgeTracingIntegrationTests {

  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SEND_SPAN = "b7ad6b7169203331";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .build();
  private BridgeFixture fx;
  private ScriptedService service;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) {
    fx = new BridgeFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    if (service != null) {
      service.close();
    }
    sdk.close();
  }

  @Test
  void theCommandIsHandledInAChildSpanOfTheSendAndTheServiceAndTheReplyGetItsContext()
      throws Exception {
    service = ScriptedService.start(call -> json(200, "{\"reservationId\":\"r-1\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http), builder -> builder.openTelemetry(sdk));
    UUID saga = UUID.randomUUID();

    fx.send(
        Command.reserve(saga, "{\"location\":\"ZRH\"}"), "00-" + TRACE + "-" + SEND_SPAN + "-01");

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(1);
    SpanData handled = finished.get(0);
    assertThat(handled.getName()).isEqualTo("handle " + BridgeFixture.STEP + " forward");
    assertThat(handled.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(handled.getTraceId()).isEqualTo(TRACE);
    assertThat(handled.getParentSpanId()).isEqualTo(SEND_SPAN);
    assertThat(handled.getAttributes().asMap())
        .extractingByKeys(
            io.opentelemetry.api.common.AttributeKey.stringKey("saga.id"),
            io.opentelemetry.api.common.AttributeKey.stringKey("saga.step"),
            io.opentelemetry.api.common.AttributeKey.stringKey("saga.phase"),
            io.opentelemetry.api.common.AttributeKey.longKey("saga.attempt"),
            io.opentelemetry.api.common.AttributeKey.stringKey("saga.outcome"))
        .containsExactly(saga.toString(), BridgeFixture.STEP, "forward", 1L, "SUCCESS");
    String context = "00-" + TRACE + "-" + handled.getSpanId() + "-01";
    assertThat(service.calls().get(0).header("traceparent")).isEqualTo(context);
    assertThat(header(reply, SagaHeaders.TRACEPARENT)).isEqualTo(context);
  }

  @Test
  void tracingIsOnOnlyWhenTheEnvironmentNamesAnExporter() {
    assertThat(BridgeTracing.enabled(Map.of())).isFalse();
    assertThat(BridgeTracing.enabled(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")))
        .isTrue();
    assertThat(BridgeTracing.enabled(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318")))
        .isTrue();
    assertThat(
            BridgeTracing.enabled(
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://c:4318",
                    "OTEL_TRACES_EXPORTER",
                    "none")))
        .isFalse();
    assertThat(
            BridgeTracing.enabled(
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true")))
        .isFalse();
    assertThat(BridgeTracing.traceparent()).isEmpty();
  }
}
