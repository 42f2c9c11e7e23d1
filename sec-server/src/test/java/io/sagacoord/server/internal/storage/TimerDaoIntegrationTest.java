package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moving step timeouts of commands that reached Kafka late, on a real PostgreSQL: only the named
 * attempt's timeout moves, by its own delay, and a timer row another transaction holds is passed
 * over instead of waited for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimerDaoIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

  private TestDatabase db;
  private JdbcClient jdbc;
  private TimerDao timers;
  private TransactionTemplate tx;

  @BeforeAll
  void migrate() {
    db = SecSchema.newDatabase("sec_timer_dao");
    jdbc = JdbcClient.create(db.dataSource());
    timers = new TimerDao(jdbc, new NamedParameterJdbcTemplate(db.dataSource()));
    tx = new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()));
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void clear() {
    jdbc.sql("TRUNCATE saga_instance, saga_log, saga_timer, saga_outbox").update();
  }

  private static UUID id(int n) {
    return new UUID(0x7133_0000_0000_0000L, n);
  }

  private void seed(int sagas) {
    for (int n = 1; n <= sagas; n++) {
      new SagaInstanceDao(jdbc)
          .insert(
              new SagaRow(
                  id(n),
                  "trip",
                  1,
                  "ab".repeat(32),
                  "RUNNING",
                  null,
                  null,
                  "{}",
                  "[]",
                  T0.plusSeconds(3600),
                  null,
                  T0,
                  T0,
                  1));
      timers.insert(
          List.of(
              new TimerRow(null, id(n), "STEP_TIMEOUT", "car", "forward", 2, T0.plusSeconds(5)),
              new TimerRow(null, id(n), "STEP_TIMEOUT", "car", "compensate", 2, T0.plusSeconds(5)),
              new TimerRow(null, id(n), "DEADLINE", null, null, 0, T0.plusSeconds(3600))));
    }
  }

  private Instant due(int saga, String kind, String phase) {
    return timers.findBySaga(id(saga)).stream()
        .filter(t -> t.kind().equals(kind) && java.util.Objects.equals(t.phase(), phase))
        .findFirst()
        .orElseThrow()
        .dueAt();
  }

  @Test
  void onlyTheNamedAttemptsTimeoutMovesByItsOwnDelay() {
    seed(2);
    int moved =
        timers.postponeTimeouts(
            List.of(
                new TimerDao.LateSend(id(1), "car", "forward", 2, Duration.ofMillis(1_500)),
                new TimerDao.LateSend(id(2), "car", "compensate", 2, Duration.ofMillis(250)),
                // a stale attempt: its timeout is gone
                new TimerDao.LateSend(id(2), "car", "forward", 1, Duration.ofSeconds(9))));

    assertThat(moved).isEqualTo(2);
    assertThat(due(1, "STEP_TIMEOUT", "forward")).isEqualTo(T0.plusMillis(6_500));
    assertThat(due(1, "STEP_TIMEOUT", "compensate")).isEqualTo(T0.plusSeconds(5));
    assertThat(due(2, "STEP_TIMEOUT", "compensate")).isEqualTo(T0.plusMillis(5_250));
    assertThat(due(2, "STEP_TIMEOUT", "forward")).isEqualTo(T0.plusSeconds(5));
    assertThat(due(1, "DEADLINE", null)).isEqualTo(T0.plusSeconds(3600));
  }

  @Test
  void aTimerAnotherTransactionHoldsIsPassedOverNotWaitedFor() {
    seed(3);
    List<TimerDao.LateSend> late =
        List.of(
            new TimerDao.LateSend(id(3), "car", "forward", 2, Duration.ofSeconds(1)),
            new TimerDao.LateSend(id(2), "car", "forward", 2, Duration.ofSeconds(1)),
            new TimerDao.LateSend(id(1), "car", "forward", 2, Duration.ofSeconds(1)));

    // another transaction (a reply batch deleting saga 2's timers) holds saga 2's timer rows while
    // the postponement runs; if the postponement waited for them, the lock timeout would fail it
    Integer moved =
        tx.execute(
            holder -> {
              jdbc.sql("SELECT id FROM saga_timer WHERE saga_id = :id FOR UPDATE")
                  .param("id", id(2))
                  .query(Long.class)
                  .list();
              return new TransactionTemplate(tx.getTransactionManager()) {
                {
                  setPropagationBehavior(PROPAGATION_REQUIRES_NEW);
                }
              }.execute(
                  postponing -> {
                    jdbc.sql("SET LOCAL lock_timeout = '30s'").update();
                    return timers.postponeTimeouts(late);
                  });
            });

    assertThat(moved).isEqualTo(2);
    assertThat(due(1, "STEP_TIMEOUT", "forward")).isEqualTo(T0.plusSeconds(6));
    assertThat(due(2, "STEP_TIMEOUT", "forward")).isEqualTo(T0.plusSeconds(5));
    assertThat(due(3, "STEP_TIMEOUT", "forward")).isEqualTo(T0.plusSeconds(6));
  }
}
