package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pivot whose participant holds its answer past the step timeout and the saga deadline: the
 * coordinator keeps asking (past the retry budget, after the deadline) and never fails the saga on
 * an unknown outcome; once the participant answers, a success completes the saga and a refusal
 * compensates it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PivotOutcomeIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String TYPE = "pivot-outcome";
  private static final String DEADLINE_REFUSAL =
      "{\"reason\":\"saga deadline passed\",\"code\":\"DEADLINE_PASSED\"}";

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_pivot_outcome")
          .participantSteps(List.of("s1", "s4"))
          .definitions(suffix -> List.of(definition(suffix)));

  private RunningCoordinator sec;
  private ScriptedParticipants participants;

  private static SagaDefinition<TestData> definition(String suffix) {
    return SagaDefinition.named(TYPE, TestData.class)
        .deadline(Duration.ofSeconds(10))
        .defaultTimeout(Duration.ofSeconds(2))
        .defaultRetry(RetryPolicy.fixed(2, Duration.ofMillis(100)))
        .step("s1")
        .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
        .compensateWith("s1.undo", d -> d)
        .step("s4")
        .invoke(TestSagas.participant("s4", suffix), "s4.do", d -> d)
        .pivot()
        .build();
  }

  @BeforeAll
  void start() {
    sec = kit.sec();
    participants = kit.participants();
  }

  @Test
  void aPivotAnsweredAfterItsTimeoutAndTheDeadlineSettlesTheSaga() {
    // s1 succeeds at once; the pivot s4 gets no answer until the test gives one
    UUID done = start("done");
    UUID refused = start("refused");
    awaitPivotAttempt(done, 1);
    awaitPivotAttempt(refused, 1);

    // the first attempt times out (2 s) and the deadline passes (10 s) while nothing is known
    kit.advance(Duration.ofSeconds(11));
    awaitLogContains(done, "DEADLINE_PASSED", 1);
    awaitLogContains(refused, "DEADLINE_PASSED", 1);
    kit.advance(Duration.ofSeconds(1));
    awaitPivotAttempt(done, 2);
    awaitPivotAttempt(refused, 2);
    // the second attempt, the last of the budget, times out too: asked once more
    kit.advance(Duration.ofSeconds(3));
    awaitLogContains(done, "ATTEMPT_TIMED_OUT", 2);
    awaitLogContains(refused, "ATTEMPT_TIMED_OUT", 2);
    kit.advance(Duration.ofSeconds(1));
    Received doneAgain = awaitPivotAttempt(done, 3);
    Received refusedAgain = awaitPivotAttempt(refused, 3);
    assertThat(status(done)).isEqualTo("COMPENSATING");
    assertThat(status(refused)).isEqualTo("COMPENSATING");
    assertThat(logTypes(done)).doesNotContain("SAGA_FAILED", "STEP_TIMED_OUT");
    assertThat(compensations(done)).isEmpty();

    // the participant answers the repeated command with what it did (or refused to do)
    participants.answer(doneAgain, ReplyOutcome.SUCCESS, "{\"boom\":false,\"value\":\"paid\"}");
    participants.answer(refusedAgain, ReplyOutcome.REFUSED, DEADLINE_REFUSAL);

    awaitStatus(done, "COMPLETED");
    awaitStatus(refused, "COMPENSATED");
    assertThat(compensations(done)).isEmpty();
    assertThat(compensations(refused)).extracting(Received::step).containsExactly("s1");
  }

  private UUID start(String key) {
    return sec.bean(SagaCoordinator.class)
        .start(TYPE, key, new TestData("silent", "s4", 0, null))
        .sagaId();
  }

  private Received awaitPivotAttempt(UUID sagaId, int attempt) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                participants.received(sagaId).stream()
                    .anyMatch(r -> r.step().equals("s4") && r.attempt() == attempt));
    return participants.received(sagaId).stream()
        .filter(r -> r.step().equals("s4") && r.attempt() == attempt)
        .findFirst()
        .orElseThrow();
  }

  private List<Received> compensations(UUID sagaId) {
    return participants.received(sagaId).stream()
        .filter(r -> r.phase() == Phase.COMPENSATE)
        .toList();
  }

  private void awaitLogContains(UUID sagaId, String type, int times) {
    await()
        .atMost(WAIT)
        .until(() -> logTypes(sagaId).stream().filter(type::equals).count() >= times);
  }

  private String status(UUID id) {
    return sec.bean(SagaCoordinator.class).find(id).orElseThrow().status();
  }

  private void awaitStatus(UUID id, String status) {
    await().atMost(WAIT).until(() -> status(id), status::equals);
  }

  private List<String> logTypes(UUID id) {
    return sec.bean(SagaLogDao.class).findBySaga(id).stream().map(LogRow::type).toList();
  }
}
