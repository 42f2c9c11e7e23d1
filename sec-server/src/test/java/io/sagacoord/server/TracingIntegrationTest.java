package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.tracing.SagaTracing;
import io.sagacoord.server.support.OtlpReceiver;
import io.sagacoord.server.support.OtlpReceiver.ReceivedSpan;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TracedParticipantMain;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * One trace per saga across three processes: the coordinator in this JVM, participant alpha (steps
 * reserve and confirm, the pivot) and participant beta (step book) as child JVMs on the participant
 * SDK. All three export their spans over OTLP/HTTP to a receiver in this test.
 */
class TracingIntegrationTest {

  private static final String TYPE = "traced-trip";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Set<String> TERMINAL = Set.of("COMPLETED", "COMPENSATED", "FAILED");

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private KafkaInfra kafka;
  private TestDatabase db;
  private RunningCoordinator sec;
  private String suffix;
  private String replyTopic;
  private String alphaTopic;
  private String betaTopic;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** The coordinator and both participants; tracing to {@code otlp} (null: tracing off). */
  private void startSystem(OtlpReceiver otlp) {
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_tracing");
    toClose.add(db);
    suffix = UUID.randomUUID().toString().substring(0, 8);
    replyTopic = kafka.uniqueTopic("replies");
    kafka.createTopic(replyTopic, 3);
    alphaTopic = "saga.p-alpha.commands." + suffix;
    betaTopic = "saga.p-beta.commands." + suffix;
    kafka.createTopic(alphaTopic, 3);
    kafka.createTopic(betaTopic, 3);
    ParticipantRef alpha = new ParticipantRef("p-alpha-" + suffix, alphaTopic);
    ParticipantRef beta = new ParticipantRef("p-beta-" + suffix, betaTopic);
    SagaDefinition<TestData> definition =
        SagaDefinition.named(TYPE, TestData.class)
            .defaultTimeout(Duration.ofSeconds(30))
            .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(200)))
            .defaultCompensationRetry(RetryPolicy.fixed(5, Duration.ofMillis(100)))
            .step("reserve")
            .invoke(alpha, "reserve.do", d -> d)
            .compensateWith("reserve.undo", d -> d)
            .step("book")
            .invoke(beta, "book.do", d -> d)
            .compensateWith("book.undo", d -> d)
            .step("confirm")
            .invoke(alpha, "confirm.do", d -> d)
            .pivot()
            .build();
    Map<String, Object> settings = new HashMap<>();
    if (otlp != null) {
      settings.put("sec.tracing.otlp-endpoint", otlp.endpoint());
      settings.put("sec.tracing.export-interval", "100ms");
    }
    sec = RunningCoordinator.start(db, kafka, replyTopic, settings, List.of(definition));
    toClose.add(sec);
    String endpoint = otlp == null ? null : otlp.endpoint();
    startParticipant(alpha.name(), alphaTopic, List.of("reserve", "confirm"), endpoint);
    startParticipant(beta.name(), betaTopic, List.of("book"), endpoint);
  }

  private void startParticipant(String name, String topic, List<String> steps, String otlp) {
    TestDatabase inbox = SagaInfra.postgres().newDatabase("inbox_" + name.replace('-', '_'));
    toClose.add(inbox);
    JavaProcess child =
        TracedParticipantMain.start(
            name, kafka, inbox, topic, replyTopic + "-registry", steps, otlp);
    toClose.add(child);
  }

  @Test
  void eachSagaIsOneTraceWhoseStepsAreParentedAcrossCoordinatorAndParticipants() throws Exception {
    OtlpReceiver otlp = OtlpReceiver.start();
    toClose.add(otlp);
    startSystem(otlp);
    String alpha = "p-alpha-" + suffix;
    String beta = "p-beta-" + suffix;

    String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    UUID completed = startOverRest("completed-1", "00-" + callerTrace + "-" + callerSpan + "-01");
    SagaCoordinator coordinator = sec.bean(SagaCoordinator.class);
    UUID compensated =
        coordinator.start(TYPE, "compensated-1", TestData.of("fail", "confirm")).sagaId();
    UUID retried =
        coordinator.start(TYPE, "retried-1", new TestData("tech", "book", 1, null)).sagaId();

    assertThat(awaitEnd(completed)).isEqualTo("COMPLETED");
    assertThat(awaitEnd(compensated)).isEqualTo("COMPENSATED");
    assertThat(awaitEnd(retried)).isEqualTo("COMPLETED");

    // the last reply of each saga applied and exported
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(names(otlp, completed)).contains("reply confirm forward");
              assertThat(names(otlp, compensated)).contains("reply reserve compensate");
              assertThat(names(otlp, retried)).contains("reply confirm forward");
            });
    assertThat(otlp.problems()).isEmpty();

    // a REST start with a traceparent continues the caller's trace
    Trace a = trace(otlp, completed);
    assertThat(a.start().traceId()).isEqualTo(callerTrace);
    assertThat(a.start().parentSpanId()).isEqualTo(callerSpan);
    assertThat(a.start().attribute("saga.type")).isEqualTo(TYPE);
    a.assertCommandsParented(Map.of("reserve", alpha, "book", beta, "confirm", alpha));
    assertThat(a.sends()).containsOnly("reserve forward", "book forward", "confirm forward");

    // a compensated saga: the undo commands follow the pivot's refusal, each one handled
    Trace b = trace(otlp, compensated);
    assertThat(b.start().parentSpanId()).isEmpty();
    assertThat(b.start().traceId()).isNotEqualTo(callerTrace);
    b.assertCommandsParented(Map.of("reserve", alpha, "book", beta, "confirm", alpha));
    assertThat(b.sends())
        .contains(
            "reserve forward",
            "book forward",
            "confirm forward",
            "book compensate",
            "reserve compensate");
    ReceivedSpan undoBook = b.only("send book compensate");
    assertThat(b.byId(undoBook.parentSpanId()).name()).isEqualTo("reply confirm forward");
    assertThat(b.byId(undoBook.parentSpanId()).attribute("saga.outcome"))
        .isEqualTo("BUSINESS_FAILURE");
    assertThat(b.childrenOf(undoBook))
        .extracting(ReceivedSpan::name, ReceivedSpan::service)
        .contains(org.assertj.core.groups.Tuple.tuple("handle book compensate", beta));
    ReceivedSpan undoReserve = b.only("send reserve compensate");
    assertThat(b.byId(undoReserve.parentSpanId()).name()).isEqualTo("reply book compensate");
    assertThat(b.childrenOf(undoReserve))
        .extracting(ReceivedSpan::name, ReceivedSpan::service)
        .contains(org.assertj.core.groups.Tuple.tuple("handle reserve compensate", alpha));

    // a technical failure: the retry timer's span is the parent of the second attempt
    Trace c = trace(otlp, retried);
    c.assertCommandsParented(Map.of("reserve", alpha, "book", beta, "confirm", alpha));
    ReceivedSpan timer = c.only("timer retry");
    assertThat(timer.parentSpanId()).isEqualTo(c.start().spanId());
    assertThat(timer.attribute("saga.step")).isEqualTo("book");
    assertThat(c.childrenOf(timer))
        .extracting(ReceivedSpan::name, s -> s.attribute("saga.attempt"))
        .containsExactly(org.assertj.core.groups.Tuple.tuple("send book forward", "2"));
    ReceivedSpan failedHandle =
        c.spans().stream()
            .filter(s -> s.name().equals("handle book forward"))
            .filter(s -> "1".equals(s.attribute("saga.attempt")))
            .findFirst()
            .orElseThrow();
    assertThat(failedHandle.attribute("saga.outcome")).isEqualTo("TECHNICAL_FAILURE");

    // the saga's trace context is kept with it: 25 bytes
    Integer stored =
        JdbcClient.create(db.dataSource())
            .sql("SELECT octet_length(trace_context) FROM saga_instance WHERE id = :id")
            .param("id", compensated)
            .query(Integer.class)
            .single();
    assertThat(stored).isEqualTo(25);
  }

  @Test
  void withTracingOffNoSpanIsCreatedAndNoTraceContextTravelsOrIsStored() throws Exception {
    startSystem(null);
    assertThat(sec.bean(SagaTracing.class).enabled()).isFalse();
    SagaCoordinator coordinator = sec.bean(SagaCoordinator.class);
    UUID completed = coordinator.start(TYPE, "completed-off", TestData.ok()).sagaId();
    UUID compensated =
        coordinator.start(TYPE, "compensated-off", TestData.of("fail", "confirm")).sagaId();
    assertThat(awaitEnd(completed)).isEqualTo("COMPLETED");
    assertThat(awaitEnd(compensated)).isEqualTo("COMPENSATED");

    assertThat(
            JdbcClient.create(db.dataSource())
                .sql("SELECT count(*) FROM saga_instance WHERE trace_context IS NOT NULL")
                .query(Long.class)
                .single())
        .isZero();
    // 3 + 5 commands and as many replies; none carries a trace context
    List<ConsumerRecord<String, byte[]>> records =
        readAll(List.of(alphaTopic, betaTopic, replyTopic), 16);
    assertThat(records).hasSizeGreaterThanOrEqualTo(16);
    assertThat(records)
        .allSatisfy(r -> assertThat(r.headers().lastHeader(SagaHeaders.TRACEPARENT)).isNull());
  }

  private UUID startOverRest(String key, String traceparent) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + sec.port() + "/api/sagas/" + TYPE))
                    .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
                    .header("Idempotency-Key", key)
                    .header("Content-Type", "application/json")
                    .header("traceparent", traceparent)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            JsonMapper.builder().build().writeValueAsString(TestData.ok())))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return UUID.fromString(
        JsonMapper.builder().build().readTree(response.body()).path("sagaId").asString());
  }

  private String awaitEnd(UUID sagaId) {
    SagaCoordinator coordinator = sec.bean(SagaCoordinator.class);
    return await()
        .atMost(WAIT)
        .until(
            () -> coordinator.find(sagaId).map(SagaView::status).orElse("?"), TERMINAL::contains);
  }

  private static List<String> names(OtlpReceiver otlp, UUID sagaId) {
    return otlp.spans().stream()
        .filter(s -> sagaId.toString().equals(s.attribute("saga.id")))
        .map(ReceivedSpan::name)
        .toList();
  }

  private static Trace trace(OtlpReceiver otlp, UUID sagaId) {
    List<ReceivedSpan> spans =
        otlp.spans().stream()
            .filter(s -> sagaId.toString().equals(s.attribute("saga.id")))
            .toList();
    assertThat(spans.stream().map(ReceivedSpan::traceId).distinct())
        .as("trace ids of saga %s", sagaId)
        .hasSize(1);
    return new Trace(spans);
  }

  /** The spans of one saga. */
  private record Trace(List<ReceivedSpan> spans) {

    ReceivedSpan start() {
      return only("saga start " + TYPE);
    }

    ReceivedSpan only(String name) {
      List<ReceivedSpan> named = spans.stream().filter(s -> s.name().equals(name)).toList();
      assertThat(named).as("spans named %s", name).hasSize(1);
      return named.get(0);
    }

    ReceivedSpan byId(String spanId) {
      Optional<ReceivedSpan> found =
          spans.stream().filter(s -> s.spanId().equals(spanId)).findFirst();
      assertThat(found).as("span %s in the saga's trace", spanId).isPresent();
      return found.get();
    }

    List<ReceivedSpan> childrenOf(ReceivedSpan parent) {
      return spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId())).toList();
    }

    /** "step phase" of every command sent. */
    Set<String> sends() {
      return spans.stream()
          .filter(s -> s.name().startsWith("send "))
          .map(s -> s.name().substring("send ".length()))
          .collect(Collectors.toSet());
    }

    /**
     * Every command is sent under the saga's start span, a reply's span or a timer's span; each is
     * handled by its step's participant in a child span; each handling's reply is applied in a
     * child span of it.
     */
    void assertCommandsParented(Map<String, String> serviceOfStep) {
      for (ReceivedSpan send : spans) {
        if (!send.name().startsWith("send ")) {
          continue;
        }
        assertThat(send.service()).isEqualTo("sec-server");
        assertThat(send.kind()).isEqualTo("SPAN_KIND_PRODUCER");
        String what = send.name().substring("send ".length());
        ReceivedSpan cause = byId(send.parentSpanId());
        assertThat(cause.service()).isEqualTo("sec-server");
        assertThat(cause.name()).matches("saga start .*|reply .*|timer .*");
        List<ReceivedSpan> handled = childrenOf(send);
        assertThat(handled).as("handling of %s", send.name()).isNotEmpty();
        for (ReceivedSpan handle : handled) {
          assertThat(handle.name()).isEqualTo("handle " + what);
          assertThat(handle.service()).isEqualTo(serviceOfStep.get(send.attribute("saga.step")));
          assertThat(handle.kind()).isEqualTo("SPAN_KIND_CONSUMER");
          assertThat(handle.attribute("saga.attempt")).isEqualTo(send.attribute("saga.attempt"));
          assertThat(handle.attribute("saga.phase")).isEqualTo(send.attribute("saga.phase"));
          assertThat(childrenOf(handle))
              .as("reply to %s", handle.name())
              .extracting(ReceivedSpan::name, ReceivedSpan::service)
              .contains(org.assertj.core.groups.Tuple.tuple("reply " + what, "sec-server"));
        }
      }
    }
  }

  /** Every record on the topics from the beginning, waiting until at least {@code atLeast}. */
  private List<ConsumerRecord<String, byte[]>> readAll(List<String> topics, int atLeast) {
    Map<String, Object> config = new HashMap<>(kafka.consumerConfig("trace-check-" + suffix));
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(topics);
      await()
          .atMost(WAIT)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= atLeast;
              });
    }
    return records;
  }
}
