package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipantMain;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.JavaProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A participant killed again and again while the sagas that need it compensate: compensations are
 * retried until they succeed, so every saga still ends COMPENSATED and each step is compensated
 * exactly once.
 *
 * <p>The coordinator runs in this JVM on the {@link CoordinatorKit} (1-s step timeouts that pass
 * only when the test moves the clock, compensations retried without a budget after a back-off
 * capped at 300 ms). The participant of s2 runs as a separate process ({@link
 * ScriptedParticipantMain}) and answers within 200 ms; those of s1, s3 and the pivot s4 run here.
 * The pivot holds its answer until the test gives it, so the test decides when compensation starts.
 * In each round: a batch of sagas reaches the pivot; the pivot refuses half of them (a business
 * failure); once the participant of s2 has undone one of them, it is SIGKILLed (the commands it had
 * taken but not yet answered are lost); the pivot refuses the other half, whose compensations of s2
 * go to the dead participant and time out when the test passes their timeout; then the participant
 * is started again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompensationOutageIntegrationTest {

  private static final String TYPE = "compensation-outage";
  private static final int ROUNDS = 4;
  private static final int SAGAS_PER_ROUND = 8;
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(1);
  // how long the restarted participant may take over what waits for it before a timeout is passed
  private static final Duration PATIENCE = Duration.ofSeconds(2);
  private static final Duration WAIT = CoordinatorKit.WAIT;
  private static final Duration POLL = Duration.ofMillis(50);
  private static final String REFUSAL = "{\"reason\":\"no\"}";

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_comp_outage")
          .participantSteps(List.of("s1", "s3", "s4"))
          .definitions(suffix -> List.of(definition(suffix)));

  private RunningCoordinator sec;
  private ScriptedParticipants participants;
  private JavaProcess s2Participant;
  private JdbcClient jdbc;

  private static SagaDefinition<TestData> definition(String suffix) {
    return SagaDefinition.named(TYPE, TestData.class)
        .defaultTimeout(STEP_TIMEOUT)
        .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(100)))
        .defaultCompensationRetry(
            RetryPolicy.exponential(RetryPolicy.UNLIMITED_ATTEMPTS, Duration.ofMillis(100))
                .withMaxDelay(Duration.ofMillis(300)))
        .step("s1")
        .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
        .compensateWith("s1.undo", d -> d)
        .step("s2")
        .invoke(TestSagas.participant("s2", suffix), "s2.do", d -> d)
        .compensateWith("s2.undo", d -> d)
        .step("s3")
        .invoke(TestSagas.participant("s3", suffix), "s3.do", d -> d)
        .compensateWith("s3.undo", d -> d)
        .step("s4")
        .invoke(TestSagas.participant("s4", suffix), "s4.do", d -> d)
        .pivot()
        // held by the test, which answers when compensation is to start
        .timeout(Duration.ofMinutes(5))
        .build();
  }

  @BeforeAll
  void startParticipantOfS2() {
    sec = kit.sec();
    participants = kit.participants();
    jdbc = JdbcClient.create(kit.db().dataSource());
    s2Participant =
        ScriptedParticipantMain.start(
            "participant-s2",
            kit.kafka(),
            "participant-s2-" + kit.suffix(),
            List.of(TestSagas.participant("s2", kit.suffix()).commandTopic()),
            Duration.ofMillis(200));
  }

  @AfterAll
  void stopParticipantOfS2() {
    if (s2Participant != null) {
      s2Participant.close();
    }
  }

  @Test
  void everySagaIsCompensatedExactlyOnceThoughTheParticipantIsKilledAgainAndAgain() {
    List<UUID> all = new ArrayList<>();
    List<UUID> undoneWhileDown = new ArrayList<>();
    for (int round = 1; round <= ROUNDS; round++) {
      List<UUID> sagas = new ArrayList<>();
      for (int i = 0; i < SAGAS_PER_ROUND; i++) {
        sagas.add(
            sec.bean(SagaCoordinator.class)
                .start(TYPE, "round-" + round + "-" + i, new TestData("silent", "s4", 0, null))
                .sagaId());
      }
      all.addAll(sagas);
      List<Received> pivots = sagas.stream().map(this::awaitPivotCommand).toList();
      List<UUID> first = sagas.subList(0, SAGAS_PER_ROUND / 2);
      List<UUID> second = sagas.subList(SAGAS_PER_ROUND / 2, SAGAS_PER_ROUND);

      // compensation under way: the participant of s2 is undoing the first half
      pivots.subList(0, first.size()).forEach(this::refuse);
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> sagasWith(first, "STEP_COMPENSATED") >= 1);
      s2Participant.kill();

      // the second half starts to compensate while the participant is down: its undo of s2 is
      // sent, times out when the test passes the timeout, and is sent again
      pivots.subList(first.size(), SAGAS_PER_ROUND).forEach(this::refuse);
      await()
          .atMost(WAIT)
          .pollInterval(POLL)
          .until(() -> sagasWith(second, "COMMAND_SENT") == second.size());
      kit.awaitIdle();
      kit.advanceAndRun(STEP_TIMEOUT);
      assertThat(sagasWith(second, "ATTEMPT_TIMED_OUT")).isEqualTo(second.size());
      undoneWhileDown.addAll(second);

      s2Participant.restart();
      ScriptedParticipantMain.awaitReady(s2Participant);
      // the restarted participant works off what was sent while it was away; an undo it had
      // taken before the kill is sent again once its timeout passes
      kit.awaitPassingTimeouts(
          STEP_TIMEOUT, PATIENCE, () -> sagasWith(sagas, "STEP_COMPENSATED") == sagas.size());
    }
    kit.awaitPassingTimeouts(STEP_TIMEOUT, PATIENCE, () -> unfinished(all) == 0);
    System.out.println(
        "CompensationOutageIntegrationTest: "
            + all.size()
            + " sagas, "
            + ROUNDS
            + " kills, "
            + entries(all, "COMMAND_SENT")
            + " undo commands of s2 sent, "
            + entries(all, "ATTEMPT_TIMED_OUT")
            + " of them timed out");

    SagaLogDao logs = sec.bean(SagaLogDao.class);
    for (UUID id : all) {
      List<LogEntryRow> log = logs.findEntriesBySaga(id);
      List<String> types = log.stream().map(LogEntryRow::type).toList();
      assertThat(status(id)).as("saga %s: %s", id, types).isEqualTo("COMPENSATED");
      assertThat(types).as("log of %s", id).doesNotContain("SAGA_FAILED");
      // each step accepted as undone exactly once, in reverse order; the pivot is never undone
      assertThat(
              log.stream()
                  .filter(e -> e.type().equals("STEP_COMPENSATED"))
                  .map(LogEntryRow::step)
                  .toList())
          .as("compensated steps of %s: %s", id, types)
          .containsExactly("s3", "s2", "s1");
    }
    // the outage was felt: the undo of s2 timed out for every saga refused while it was down
    for (UUID id : undoneWhileDown) {
      assertThat(logs.findEntriesBySaga(id))
          .as("log of %s", id)
          .anySatisfy(
              e -> {
                assertThat(e.type()).isEqualTo("ATTEMPT_TIMED_OUT");
                assertThat(e.step()).isEqualTo("s2");
                assertThat(e.phase()).isEqualTo(Phase.COMPENSATE.wireName());
              });
    }
  }

  private Received awaitPivotCommand(UUID sagaId) {
    await()
        .atMost(WAIT)
        .pollInterval(POLL)
        .until(
            () ->
                participants.received(sagaId).stream()
                    .anyMatch(r -> r.step().equals("s4") && r.phase() == Phase.FORWARD));
    return participants.received(sagaId).stream()
        .filter(r -> r.step().equals("s4") && r.phase() == Phase.FORWARD)
        .findFirst()
        .orElseThrow();
  }

  /** The pivot answers with a business failure: the saga compensates s3, s2, s1. */
  private void refuse(Received pivot) {
    participants.answer(pivot, ReplyOutcome.BUSINESS_FAILURE, REFUSAL);
  }

  /** How many of the sagas have a log entry of this type for the compensation of s2. */
  private long sagasWith(List<UUID> sagas, String type) {
    return jdbc.sql(
            """
            SELECT count(DISTINCT saga_id) FROM saga_log_entry
            WHERE saga_id IN (:ids) AND type = :type AND step = 's2' AND phase = :phase
            """)
        .param("ids", sagas)
        .param("type", type)
        .param("phase", Phase.COMPENSATE.wireName())
        .query(Long.class)
        .single();
  }

  /** How many log entries of this type the sagas have for the compensation of s2. */
  private long entries(List<UUID> sagas, String type) {
    return jdbc.sql(
            """
            SELECT count(*) FROM saga_log_entry
            WHERE saga_id IN (:ids) AND type = :type AND step = 's2' AND phase = :phase
            """)
        .param("ids", sagas)
        .param("type", type)
        .param("phase", Phase.COMPENSATE.wireName())
        .query(Long.class)
        .single();
  }

  private long unfinished(List<UUID> sagas) {
    return jdbc.sql(
            """
            SELECT count(*) FROM saga_instance
            WHERE id IN (:ids) AND status NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED')
            """)
        .param("ids", sagas)
        .query(Long.class)
        .single();
  }

  private String status(UUID id) {
    return jdbc.sql("SELECT status FROM saga_instance WHERE id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }
}
