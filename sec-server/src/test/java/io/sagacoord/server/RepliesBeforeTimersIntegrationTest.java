package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.timer.TimerPoller;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestClock;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reply counts by when the participant gave it, not by when the coordinator gets to it: with
 * reply intake held up behind another saga, a reply appended before its step's timeout still
 * settles the step, and the timeout does not fire; a step whose participant stayed silent times out
 * as usual.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepliesBeforeTimersIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String TYPE = "answered-in-time";

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_in_time")
          // one partition, one reply per batch: a reply held up holds up every one after it
          .property("sec.kafka.partitions", "1")
          .property("sec.kafka.batch-size", "1")
          .participantSteps(List.of("s1"))
          .definitions(
              suffix ->
                  List.of(
                      SagaDefinition.named(TYPE, TestData.class)
                          .defaultTimeout(Duration.ofSeconds(2))
                          .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(100)))
                          .step("s1")
                          .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
                          .compensateWith("s1.undo", d -> d)
                          .build()));

  private TestClock clock;
  private TestDatabase db;
  private RunningCoordinator sec;
  private ScriptedParticipants participants;

  @BeforeAll
  void start() {
    clock = kit.clock();
    db = kit.db();
    sec = kit.sec();
    participants = kit.participants();
  }

  @Test
  void aReplyGivenBeforeTheTimeoutSettlesTheStepHoweverLateItIsApplied() throws Exception {
    UUID blocker = start("blocker");
    UUID answered = start("answered");
    UUID silent = start("silent");
    Received blockerCommand = awaitCommand(blocker);
    Received answeredCommand = awaitCommand(answered);
    awaitCommand(silent);

    CompletableFuture<Integer> fired;
    try (Connection lock = lockSagaRow(blocker)) {
      // reply intake takes the blocker's reply first and waits for its row; the other reply is
      // appended in time behind it
      participants.answer(blockerCommand, ReplyOutcome.SUCCESS, "{}");
      participants.answer(answeredCommand, ReplyOutcome.SUCCESS, "{}");
      kit.advance(Duration.ofSeconds(3));
      fired = CompletableFuture.supplyAsync(() -> sec.bean(TimerPoller.class).fireDue());
      lock.rollback();
    }

    awaitStatus(answered, "COMPLETED");
    awaitStatus(blocker, "COMPLETED");
    fired.get();
    assertThat(logTypes(answered)).doesNotContain("ATTEMPT_TIMED_OUT");
    // the counter-case: nobody answered, so the timeout fires and the step is tried again
    int firedCount = fired.get();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(logTypes(silent))
                    .as(
                        "fired %s, timers %s, clock %s",
                        firedCount, sec.bean(TimerDao.class).findBySaga(silent), clock.instant())
                    .contains("ATTEMPT_TIMED_OUT"));
    kit.advance(Duration.ofSeconds(1));
    await()
        .atMost(WAIT)
        .until(() -> participants.received(silent).stream().anyMatch(r -> r.attempt() == 2));
  }

  private UUID start(String key) {
    return sec.bean(SagaCoordinator.class)
        .start(TYPE, key, new TestData("silent", "s1", 0, null))
        .sagaId();
  }

  private Received awaitCommand(UUID sagaId) {
    await().atMost(WAIT).until(() -> !participants.received(sagaId).isEmpty());
    return participants.received(sagaId).get(0);
  }

  private Connection lockSagaRow(UUID sagaId) throws Exception {
    Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    c.setAutoCommit(false);
    try (PreparedStatement st =
        c.prepareStatement("SELECT 1 FROM saga_instance WHERE id = ? FOR UPDATE")) {
      st.setObject(1, sagaId);
      st.executeQuery().close();
    }
    return c;
  }

  private void awaitStatus(UUID id, String status) {
    await()
        .atMost(WAIT)
        .until(
            () -> sec.bean(SagaCoordinator.class).find(id).orElseThrow().status(), status::equals);
  }

  private List<String> logTypes(UUID id) {
    return sec.bean(SagaLogDao.class).findBySaga(id).stream().map(LogRow::type).toList();
  }
}
