package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.storage.QuarantineDao;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reply intake with {@code sec.kafka.batch-writes=false}: every reply is applied and written under
 * its own savepoint. Sagas complete and compensate as on the batched path, and a reply the database
 * refuses is quarantined alone without any batch falling back.
 */
class OneByOneRepliesIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_one_by_one")
          .property("sec.kafka.batch-writes", "false")
          .property("sec.kafka.partitions", "1")
          .definitions(suffix -> List.of(TestSagas.trip(suffix)));

  @Test
  void sagasCompleteAndCompensateReplyByReply() {
    List<UUID> ok = new ArrayList<>();
    List<UUID> failing = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ok.add(start(TestData.ok()));
      failing.add(start(TestData.of("fail", "s3")));
    }

    ok.forEach(id -> kit.awaitStatus(id, "COMPLETED"));
    failing.forEach(id -> kit.awaitStatus(id, "COMPENSATED"));
    assertThat(kit.coordinator().find(ok.get(0)).orElseThrow().steps())
        .hasSize(TestSagas.TRIP_STEPS.size());
    assertThat(fallbacks()).isZero();
  }

  @Test
  void aReplyTheDatabaseRefusesIsQuarantinedAloneAndNoBatchFallsBack() {
    UUID refused = start(TestData.of("silent", "s1"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                kit.participants().received(refused).stream().anyMatch(r -> r.step().equals("s1")));
    Received s1 = kit.participants().received(refused).get(0);
    Map<String, String> headers = new HashMap<>();
    headers.put(SagaHeaders.SAGA_ID, refused.toString());
    headers.put(SagaHeaders.SAGA_TYPE, TestSagas.TRIP);
    headers.put(SagaHeaders.STEP, "s1");
    headers.put(SagaHeaders.PHASE, Phase.FORWARD.wireName());
    headers.put(SagaHeaders.ATTEMPT, Integer.toString(s1.attempt()));
    headers.put(SagaHeaders.COMMAND_ID, s1.commandId().toString());
    headers.put(SagaHeaders.MESSAGE_KIND, MessageKind.REPLY.wireName());
    headers.put(SagaHeaders.OUTCOME, ReplyOutcome.SUCCESS.name());
    headers.put(SagaHeaders.PARTICIPANT, "p-s1");

    // valid JSON whose NUL PostgreSQL refuses in jsonb: this reply's write fails, alone
    kit.participants()
        .send(
            kit.replyTopic(),
            refused.toString(),
            headers,
            "{\"boom\":false,\"value\":\"a\\u0000b\"}");
    List<UUID> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      others.add(start(TestData.ok()));
    }

    others.forEach(id -> kit.awaitStatus(id, "COMPLETED"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(kit.sec().bean(QuarantineDao.class).findAll())
                    .filteredOn(q -> refused.equals(q.sagaId()))
                    .singleElement()
                    .satisfies(q -> assertThat(q.reason()).startsWith("processing failed")));
    assertThat(kit.coordinator().find(refused).orElseThrow().status()).isEqualTo("RUNNING");
    assertThat(fallbacks()).isZero();
  }

  private UUID start(TestData data) {
    return kit.coordinator().start(TestSagas.TRIP, UUID.randomUUID().toString(), data).sagaId();
  }

  private double fallbacks() {
    return kit.sec().bean(MeterRegistry.class).counter("sec.replies.batch.fallbacks").count();
  }
}
