package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The span of a command's handling, the reply's trace context and the MDC of a handler. */
@SagaInfraTest
class ParticipantTracingIntegrationTests {

  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SEND_SPAN = "b7ad6b7169203331";
  private static final String TRACEPARENT = "00-" + TRACE + "-" + SEND_SPAN + "-01";

  private final Map<String, String> seenInHandler = new ConcurrentHashMap<>();
  private ParticipantFixture fx;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) throws Exception {
    fx = new ParticipantFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
  }

  private Participant.Builder recordingMdc() {
    return fx.participantWithoutHandlers()
        .onCommand(
            "flight.reserve",
            Map.class,
            (ctx, cmd) -> {
              for (String key : List.of("sagaId", "sagaStep", "traceId", "spanId")) {
                String value = MDC.get(key);
                seenInHandler.put(key, value == null ? "-" : value);
              }
              return Outcome.done();
            });
  }

  private void sendReserve(UUID saga) {
    List<Header> headers = new ArrayList<>();
    ParticipantFixture.add(headers, SagaHeaders.SAGA_ID, saga.toString());
    ParticipantFixture.add(headers, SagaHeaders.SAGA_TYPE, "trip-booking");
    ParticipantFixture.add(headers, SagaHeaders.STEP, "reserve-flight");
    ParticipantFixture.add(headers, SagaHeaders.PHASE, "forward");
    ParticipantFixture.add(headers, SagaHeaders.ATTEMPT, "1");
    ParticipantFixture.add(headers, SagaHeaders.COMMAND_ID, UUID.randomUUID().toString());
    ParticipantFixture.add(headers, SagaHeaders.MESSAGE_KIND, MessageKind.COMMAND.wireName());
    ParticipantFixture.add(headers, SagaHeaders.COMMAND_TYPE, "flight.reserve");
    ParticipantFixture.add(headers, SagaHeaders.REPLY_TOPIC, fx.replyTopic);
    ParticipantFixture.add(headers, SagaHeaders.TRACEPARENT, TRACEPARENT);
    fx.sendRaw(saga.toString(), headers, "{}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void withoutOpenTelemetryTheReplyRepeatsTheTraceparentAndTheHandlerSeesItsSagaInTheMdc() {
    fx.start(recordingMdc());
    UUID saga = UUID.randomUUID();

    sendReserve(saga);

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.TRACEPARENT)).isEqualTo(TRACEPARENT);
    assertThat(seenInHandler)
        .containsEntry("sagaId", saga.toString())
        .containsEntry("sagaStep", "reserve-flight")
        .containsEntry("traceId", "-");
  }

  @Test
  void withOpenTelemetryTheHandlerRunsInAChildSpanOfTheSendWhoseContextTheReplyCarries() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build()) {
      fx.start(recordingMdc().openTelemetry(sdk));
      UUID saga = UUID.randomUUID();

      sendReserve(saga);

      ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
      List<SpanData> finished = spans.getFinishedSpanItems();
      assertThat(finished).hasSize(1);
      SpanData handled = finished.get(0);
      assertThat(handled.getName()).isEqualTo("handle reserve-flight forward");
      assertThat(handled.getTraceId()).isEqualTo(TRACE);
      assertThat(handled.getParentSpanId()).isEqualTo(SEND_SPAN);
      assertThat(header(reply, SagaHeaders.TRACEPARENT))
          .isEqualTo("00-" + TRACE + "-" + handled.getSpanId() + "-01");
      assertThat(seenInHandler)
          .containsEntry("sagaId", saga.toString())
          .containsEntry("traceId", TRACE)
          .containsEntry("spanId", handled.getSpanId());
    }
  }
}
