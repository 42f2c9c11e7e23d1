package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.storage.OutboxDao;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.KafkaInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What must not stop the reply path: Errors from definition code, messages Postgres cannot store,
 * late replies, outbox rows that cannot be sent. One coordinator on a single-partition reply topic
 * (so a blocked partition would block every saga) and a two-row outbox batch. Time moves when a
 * test moves the clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplyRobustnessIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String ASSERTING = "err-assert";
  private static final String OVERFLOWING = "err-overflow";
  private static final String MISSING_CLASS = "err-ncdf";

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_robust")
          .property("sec.kafka.partitions", "1")
          .property("sec.outbox.batch-size", "2")
          .definitions(
              suffix ->
                  List.of(
                      TestSagas.trip(suffix),
                      erroring(
                          suffix, ASSERTING, () -> new AssertionError("handler assertion failed")),
                      erroring(suffix, OVERFLOWING, () -> overflow()),
                      erroring(
                          suffix,
                          MISSING_CLASS,
                          () -> new NoClassDefFoundError("com/example/Gone"))));

  private KafkaInfra kafka;
  private RunningCoordinator sec;
  private ScriptedParticipants participants;
  private String replyTopic;
  private SagaCoordinator coordinator;

  @BeforeAll
  void start() {
    kafka = kit.kafka();
    sec = kit.sec();
    participants = kit.participants();
    replyTopic = kit.replyTopic();
    coordinator = kit.coordinator();
  }

  @Test
  void anErrorThrownByAReplyHandlerFailsItsSagaAndTheConsumerKeepsGoing() {
    UUID asserting = start(ASSERTING, TestData.of("throw", "s1"));
    UUID overflowing = start(OVERFLOWING, TestData.of("throw", "s1"));
    UUID missing = start(MISSING_CLASS, TestData.of("throw", "s1"));

    SagaView a = awaitStatus(asserting, "FAILED");
    SagaView o = awaitStatus(overflowing, "FAILED");
    SagaView m = awaitStatus(missing, "FAILED");
    UUID after = start(TestSagas.TRIP, TestData.ok());

    awaitStatus(after, "COMPLETED");
    assertThat(a.statusReason()).contains("AssertionError");
    assertThat(o.statusReason()).contains("StackOverflowError");
    assertThat(m.statusReason()).contains("NoClassDefFoundError");
  }

  @Test
  void aReplyWithANulCharacterIsQuarantinedAndTheNextReplyOnThePartitionIsProcessed() {
    UUID unknown = UUID.randomUUID();
    Map<String, String> headers = replyHeaders(unknown, "s1");
    headers.put("x-note", "before\u0000after");
    participants.send(replyTopic, unknown.toString(), headers, "{\"value\":\"a\\u0000b\"}");
    // malformed (no headers) with a NUL in its only header
    participants.send(replyTopic, "x", Map.of("x-\u0000", "\u0000"), "garbage");

    UUID after = start(TestSagas.TRIP, TestData.ok());

    awaitStatus(after, "COMPLETED");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(sec.bean(QuarantineDao.class).findAll())
                    .filteredOn(q -> unknown.equals(q.sagaId()))
                    .singleElement()
                    .satisfies(
                        q -> {
                          assertThat(q.reason()).contains("unknown saga");
                          assertThat(q.headersJson()).contains("before\uFFFDafter");
                        }));
  }

  @Test
  void aReplyThatTheDatabaseRefusesIsQuarantinedAloneAndItsSagaGoesOn() {
    UUID refused = start(TestSagas.TRIP, TestData.of("silent", "s1"));
    await()
        .atMost(WAIT)
        .until(() -> participants.received(refused).stream().anyMatch(r -> r.step().equals("s1")));
    Received s1 = participants.received(refused).get(0);
    Map<String, String> headers = replyHeaders(refused, "s1");
    headers.put(SagaHeaders.COMMAND_ID, s1.commandId().toString());
    headers.put(SagaHeaders.ATTEMPT, Integer.toString(s1.attempt()));

    double fallbacksBefore = counter("sec.replies.batch.fallbacks");
    // valid JSON, but Postgres refuses the NUL in jsonb: the batched write fails, the replies are
    // then applied one by one and only this one is quarantined (applied before the clock passes
    // the step's 2 s timeout: a reply to an old attempt would only be ignored)
    participants.send(
        replyTopic, refused.toString(), headers, "{\"boom\":false,\"value\":\"a\\u0000b\"}");
    List<UUID> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      others.add(start(TestSagas.TRIP, TestData.ok()));
    }

    others.forEach(id -> awaitStatus(id, "COMPLETED"));
    kit.awaitIdle();
    assertThat(coordinator.find(refused).orElseThrow().status()).isEqualTo("RUNNING");
    // then each of the 3 attempts of the silent s1 times out
    for (int attempt = 1; attempt <= 3; attempt++) {
      int sent = attempt;
      kit.awaitWithBackOffs(() -> participants.received(refused).size() >= sent);
      kit.advanceAndRun(Duration.ofSeconds(2));
    }
    awaitStatus(refused, "COMPENSATED");
    assertThat(sec.bean(QuarantineDao.class).findAll())
        .filteredOn(q -> refused.equals(q.sagaId()))
        .singleElement()
        .satisfies(q -> assertThat(q.reason()).startsWith("processing failed"));
    assertThat(counter("sec.replies.batch.fallbacks")).isGreaterThan(fallbacksBefore);
  }

  @Test
  void aLateReplyToAFinishedSagaIsQuarantinedWithItsReasonAndCounted() {
    UUID id = start(TestSagas.TRIP, TestData.ok());
    awaitStatus(id, "COMPLETED");
    Received s2 =
        participants.received(id).stream()
            .filter(r -> r.step().equals("s2") && r.phase() == Phase.FORWARD)
            .findFirst()
            .orElseThrow();
    double lateBefore = counter("sec.replies.late");
    double fallbacksBefore = counter("sec.replies.batch.fallbacks");
    Map<String, String> headers = replyHeaders(id, "s2");
    headers.put(SagaHeaders.COMMAND_ID, s2.commandId().toString());

    participants.send(replyTopic, id.toString(), headers, "{}");
    UUID after = start(TestSagas.TRIP, TestData.ok());

    awaitStatus(after, "COMPLETED");
    await().atMost(WAIT).until(() -> counter("sec.replies.late") > lateBefore);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(sec.bean(QuarantineDao.class).findAll())
                    .filteredOn(q -> id.equals(q.sagaId()))
                    .singleElement()
                    .satisfies(
                        q ->
                            assertThat(q.reason()).isEqualTo("saga already finished (COMPLETED)")));
    assertThat(counter("sec.replies.batch.fallbacks"))
        .as("healthy replies are written in one batch")
        .isEqualTo(fallbacksBefore);
  }

  @Test
  void outboxRowsThatCannotBeSentBackOffAndDoNotStarveTheRest() {
    UUID id = start(TestSagas.TRIP, TestData.ok());
    awaitStatus(id, "COMPLETED");
    OutboxDao outbox = sec.bean(OutboxDao.class);
    // a topic no participant reads: the rows are not commands
    String topic = kafka.uniqueTopic("sink");
    kafka.createTopic(topic, 1);
    // larger than the producer's max.request.size: every send fails at once
    String tooLarge = "\"" + "x".repeat(2 * 1024 * 1024) + "\"";
    Instant written = kit.clock().instant();
    List<OutboxRow> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rows.add(new OutboxRow(null, id, topic, id.toString(), Map.of(), tooLarge, written));
    }
    rows.add(
        new OutboxRow(null, id, topic, id.toString(), Map.of("x-marker", "good"), "{}", written));
    outbox.insert(rows);
    // no writer handed them to the relay: they are the poll's once sec.outbox.in-flight-grace is
    // over (the clock moved directly: the kit's advance would wait for the relay to send them)
    kit.clock().advance(Duration.ofSeconds(11));

    JdbcClient jdbc = sec.bean(JdbcClient.class);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql(
                                "SELECT count(*) FROM saga_outbox WHERE saga_id = :id"
                                    + " AND headers->>'x-marker' = 'good'")
                            .param("id", id)
                            .query(Long.class)
                            .single())
                    .as("the sendable row behind the failing ones went out")
                    .isZero());
    List<Integer> attempts =
        jdbc.sql("SELECT attempts FROM saga_outbox WHERE saga_id = :id ORDER BY id")
            .param("id", id)
            .query(Integer.class)
            .list();
    assertThat(attempts).hasSize(3).allMatch(n -> n >= 1);
    assertThat(counter("sec.outbox.send.failures")).isGreaterThanOrEqualTo(3);
    jdbc.sql("DELETE FROM saga_outbox WHERE saga_id = :id").param("id", id).update();
  }

  // --- helpers

  /** One step on p-s1 whose reply handler throws the given Error for a "boom" reply. */
  private static SagaDefinition<TestData> erroring(
      String suffix, String type, Supplier<Error> error) {
    return SagaDefinition.named(type, TestData.class)
        .defaultTimeout(Duration.ofSeconds(30))
        .step("s1")
        .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
        .onReply(
            TestSagas.Reply.class,
            (d, r) -> {
              if (r.boom()) {
                throw error.get();
              }
              return d;
            })
        .compensateWith("s1.undo", d -> d)
        .build();
  }

  private static Error overflow() {
    return recurse(0);
  }

  private static Error recurse(int depth) {
    // unbounded on purpose: a real StackOverflowError from definition code
    return depth < 0 ? null : recurse(depth + 1);
  }

  private UUID start(String type, TestData data) {
    return coordinator.start(type, UUID.randomUUID().toString(), data).sagaId();
  }

  private double counter(String name) {
    return sec.bean(MeterRegistry.class).counter(name).count();
  }

  private SagaView awaitStatus(UUID id, String status) {
    return kit.awaitStatus(id, status);
  }

  private static Map<String, String> replyHeaders(UUID sagaId, String step) {
    Map<String, String> h = new HashMap<>();
    h.put(SagaHeaders.SAGA_ID, sagaId.toString());
    h.put(SagaHeaders.SAGA_TYPE, TestSagas.TRIP);
    h.put(SagaHeaders.STEP, step);
    h.put(SagaHeaders.PHASE, Phase.FORWARD.wireName());
    h.put(SagaHeaders.ATTEMPT, "1");
    h.put(SagaHeaders.COMMAND_ID, UUID.randomUUID().toString());
    h.put(SagaHeaders.MESSAGE_KIND, MessageKind.REPLY.wireName());
    h.put(SagaHeaders.OUTCOME, ReplyOutcome.SUCCESS.name());
    h.put(SagaHeaders.PARTICIPANT, "p-" + step);
    return h;
  }
}
