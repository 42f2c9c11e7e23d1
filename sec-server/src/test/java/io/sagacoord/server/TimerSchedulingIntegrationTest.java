package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.storage.TimerRow;
import io.sagacoord.server.internal.timer.TimerPoller;
import io.sagacoord.server.support.CoordinatorKit;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.ScriptedParticipants.Received;
import io.sagacoord.server.support.TestClock;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retry back-off on a coordinator whose clock only the test moves: each retry is scheduled by the
 * policy, fires once the clock reaches its due time and never before, and the gaps grow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimerSchedulingIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String TYPE = "backoff-trip";

  @RegisterExtension
  static final CoordinatorKit kit =
      CoordinatorKit.named("sec_timers")
          .participantSteps(List.of("s1"))
          .definitions(
              suffix ->
                  List.of(
                      SagaDefinition.named(TYPE, TestData.class)
                          .defaultTimeout(Duration.ofHours(1))
                          .defaultRetry(RetryPolicy.exponential(4, Duration.ofMillis(50)))
                          .step("s1")
                          .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
                          .compensateWith("s1.undo", d -> d)
                          .build()));

  private TestClock clock;
  private RunningCoordinator sec;
  private ScriptedParticipants participants;

  @BeforeAll
  void start() {
    clock = kit.clock();
    sec = kit.sec();
    participants = kit.participants();
  }

  @Test
  void backOffRetriesFireAtTheirDueTimesInGrowingGaps() {
    // three technical failures, then a success: retries after 50, 100 and 200 ms
    UUID id =
        sec.bean(SagaCoordinator.class)
            .start(TYPE, "backoff-1", new TestData("tech", "s1", 3, null))
            .sagaId();
    TimerDao timers = sec.bean(TimerDao.class);
    TimerPoller poller = sec.bean(TimerPoller.class);
    List<Duration> gaps = new ArrayList<>();

    for (int attempt = 2; attempt <= 4; attempt++) {
      int next = attempt;
      TimerRow retry =
          await()
              .atMost(WAIT)
              .until(() -> retryTimer(timers, id, next), Optional::isPresent)
              .orElseThrow();
      Instant failedAt = clock.instant();
      gaps.add(Duration.between(failedAt, retry.dueAt()));

      // a microsecond before its due time the retry does not fire, whoever looks
      kit.advanceTo(retry.dueAt().minusNanos(1_000));
      poller.fireDue();
      assertThat(retryTimer(timers, id, next)).contains(retry);
      assertThat(attempts(id)).doesNotContain(next);

      kit.advanceTo(retry.dueAt());
      await().atMost(WAIT).until(() -> attempts(id).contains(next));
    }

    assertThat(gaps)
        .containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200));
    await()
        .atMost(WAIT)
        .until(
            () -> sec.bean(SagaCoordinator.class).find(id).orElseThrow().status(),
            "COMPLETED"::equals);
  }

  private static Optional<TimerRow> retryTimer(TimerDao timers, UUID sagaId, int attempt) {
    return timers.findBySaga(sagaId).stream()
        .filter(t -> t.kind().equals("RETRY") && t.attempt() == attempt)
        .findFirst();
  }

  private List<Integer> attempts(UUID sagaId) {
    return participants.received(sagaId).stream().map(Received::attempt).toList();
  }
}
