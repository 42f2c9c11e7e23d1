package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one statement that writes a batch of transitions, on a real PostgreSQL: it leaves the same
 * rows as the statements of the one-by-one path run kind after kind, the timers a batch cancels and
 * schedules anew for the same step included, and it is one statement; starts write only the sagas
 * whose id is new, and their rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransitionBatchDaoIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");
  private static final String FINGERPRINT = "ab".repeat(32);

  /** One database written the one way and one the other, with the DAOs of each. */
  private final class Side {
    final TestDatabase db;
    final AtomicInteger statements = new AtomicInteger();
    final JdbcClient jdbc;
    final SagaInstanceDao instances;
    final SagaLogDao log;
    final TimerDao timers;
    final OutboxDao outbox;
    final TransitionBatchDao batch;
    final List<Instant> announced = new ArrayList<>();

    Side(String name) {
      db = SecSchema.newDatabase(name);
      DataSource counted = counting(db.dataSource(), statements);
      jdbc = JdbcClient.create(counted);
      NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(counted);
      instances = new SagaInstanceDao(jdbc);
      log = new SagaLogDao(jdbc, named);
      timers = new TimerDao(jdbc, named);
      timers.onInsert(announced::add);
      outbox = new OutboxDao(jdbc, named, JsonMapper.builder().build());
      batch = new TransitionBatchDao(named, timers, outbox);
    }

    /** Table contents as text, ids included (each side's sequences start alike). */
    List<String> dump() {
      List<String> rows = new ArrayList<>();
      for (String sql :
          List.of(
              "SELECT i::text FROM saga_instance i ORDER BY id",
              "SELECT l::text FROM saga_log l ORDER BY saga_id, seq",
              "SELECT t::text FROM saga_timer t ORDER BY id",
              "SELECT o::text FROM saga_outbox o ORDER BY id")) {
        rows.addAll(jdbc.sql(sql).query(String.class).list());
      }
      return rows;
    }
  }

  private Side perKind;
  private Side oneStatement;

  @BeforeAll
  void migrate() {
    perKind = new Side("sec_batch_per_kind");
    oneStatement = new Side("sec_batch_one_statement");
  }

  @AfterAll
  void drop() {
    for (Side side : new Side[] {perKind, oneStatement}) {
      if (side != null) {
        side.db.close();
      }
    }
  }

  @BeforeEach
  void clear() {
    for (Side side : List.of(perKind, oneStatement)) {
      side.jdbc.sql("TRUNCATE saga_instance, saga_log, saga_timer, saga_outbox").update();
      side.jdbc.sql("ALTER SEQUENCE saga_timer_id_seq RESTART").update();
      side.jdbc.sql("ALTER SEQUENCE saga_outbox_id_seq RESTART").update();
      side.announced.clear();
    }
  }

  private static UUID id(int n) {
    return new UUID(0x5a9a_0000_0000_0000L, n);
  }

  private static SagaRow saga(UUID id, String status, int lastSeq, Instant at) {
    return new SagaRow(
        id,
        "trip",
        2,
        FINGERPRINT,
        status,
        status.equals("FAILED") ? "step 'hotel' failed" : null,
        null,
        "{\"trip\": " + lastSeq + "}",
        "[{\"step\": \"car\", \"state\": \"DONE\"}]",
        status.equals("RUNNING") ? T0.plusSeconds(3600) : null,
        lastSeq == 1 ? null : "key-" + id.getLeastSignificantBits(),
        T0,
        at,
        lastSeq);
  }

  private static LogRow log(UUID sagaId, int seq, boolean fromKafka) {
    return new LogRow(
        sagaId,
        seq,
        fromKafka ? "STEP_SUCCEEDED" : "COMMAND_SENT",
        "car",
        fromKafka ? null : "forward",
        fromKafka ? null : 1,
        fromKafka ? null : UUID.nameUUIDFromBytes(("c" + seq).getBytes()),
        fromKafka ? null : "{\"timeoutMs\": 5000}",
        seq % 2 == 0 ? "[{\"type\": \"STEP_STARTED\", \"step\": \"hotel\"}]" : null,
        fromKafka ? null : "{\"type\": \"Reply\"}",
        T0.plusMillis(seq),
        "coordinator-1",
        fromKafka ? "sec.replies.other" : null,
        fromKafka ? 3 : null,
        fromKafka ? 4_000_000_000L + seq : null);
  }

  private static TimerRow timer(UUID sagaId, String step, int attempt, Instant due) {
    return new TimerRow(
        null,
        sagaId,
        step == null ? "DEADLINE" : "STEP_TIMEOUT",
        step,
        step == null ? null : "forward",
        attempt,
        due);
  }

  private static OutboxRow command(UUID sagaId, String step) {
    return new OutboxRow(
        null,
        sagaId,
        "sec.commands." + step,
        sagaId.toString(),
        Map.of("sec-step", step, "sec-attempt", "1"),
        "{\"step\": \"" + step + "\"}",
        T0.plusMillis(7));
  }

  /** Three running sagas, each with a step timeout and the first two with a deadline. */
  private void seed(Side side) {
    for (int n = 1; n <= 3; n++) {
      side.instances.insert(saga(id(n), "RUNNING", 1, T0));
    }
    side.timers.insert(
        List.of(
            timer(id(1), "car", 1, T0.plusSeconds(5)),
            timer(id(1), null, 0, T0.plusSeconds(3600)),
            timer(id(2), "car", 1, T0.plusSeconds(5)),
            timer(id(2), null, 0, T0.plusSeconds(3600)),
            timer(id(3), "car", 1, T0.plusSeconds(5))));
    side.announced.clear();
  }

  /**
   * A batch of replies: saga 1 moves on (its car timeout cancelled, then a new attempt's timeout
   * scheduled for the same step), saga 2 fails (all its timers cancelled), saga 3 moves on to a
   * second step, saga 4 is new; commands for three of them.
   */
  private TransitionBatchDao.Writes batch() {
    Instant later = T0.plusSeconds(2);
    return new TransitionBatchDao.Writes(
        List.of(saga(id(4), "RUNNING", 1, later)),
        List.of(
            saga(id(1), "RUNNING", 3, later),
            saga(id(2), "FAILED", 2, later),
            saga(id(3), "RUNNING", 2, later)),
        List.of(
            log(id(1), 2, true),
            log(id(1), 3, false),
            log(id(2), 2, true),
            log(id(3), 2, false),
            log(id(4), 1, false)),
        List.of(new TimerDao.Cancel(id(1), "car"), new TimerDao.Cancel(id(2), null)),
        List.of(
            timer(id(1), "car", 2, later.plusSeconds(5)),
            timer(id(3), "hotel", 1, later.plusSeconds(4)),
            timer(id(4), "car", 1, later.plusSeconds(6))),
        List.of(command(id(1), "car"), command(id(3), "hotel"), command(id(4), "car")));
  }

  /** The statements of the one-by-one path, kind after kind (stored timers go before new ones). */
  private List<OutboxRow> writePerKind(Side side, TransitionBatchDao.Writes w) {
    w.inserts().forEach(side.instances::insert);
    w.updates().forEach(side.instances::update);
    side.log.insert(w.log());
    w.cancels().forEach(c -> side.timers.cancel(c.sagaId(), c.step()));
    side.timers.insert(w.timers());
    return side.outbox.insert(w.outbox());
  }

  @Test
  void writesTheSameRowsAsOneStatementPerKindInOneStatement() {
    seed(perKind);
    seed(oneStatement);
    TransitionBatchDao.Writes w = batch();

    List<OutboxRow> expected = writePerKind(perKind, w);
    oneStatement.statements.set(0);
    List<OutboxRow> written = oneStatement.batch.write(w);

    assertThat(oneStatement.statements).hasValue(1);
    assertThat(oneStatement.dump()).isEqualTo(perKind.dump());
    assertThat(written).isEqualTo(expected);
    assertThat(oneStatement.announced).isEqualTo(perKind.announced);
    assertThat(oneStatement.announced).containsExactly(T0.plusSeconds(6));
  }

  @Test
  void aTimerCancelledAndScheduledAgainInOneBatchSurvivesAndTheStoredOneGoes() {
    seed(oneStatement);

    oneStatement.batch.write(batch());

    assertThat(
            oneStatement
                .jdbc
                .sql("SELECT saga_id, attempt FROM saga_timer WHERE step = 'car' ORDER BY saga_id")
                .query((rs, n) -> rs.getObject("saga_id", UUID.class) + "/" + rs.getInt("attempt"))
                .list())
        .containsExactly(id(1) + "/2", id(3) + "/1", id(4) + "/1");
    assertThat(oneStatement.timers.findBySaga(id(2))).isEmpty();
  }

  @Test
  void theIdsOfTheCommandsBelongToTheirRows() {
    seed(oneStatement);

    List<OutboxRow> written = oneStatement.batch.write(batch());

    for (OutboxRow row : written) {
      assertThat(
              oneStatement
                  .jdbc
                  .sql("SELECT topic FROM saga_outbox WHERE id = :id AND saga_id = :saga")
                  .param("id", row.id())
                  .param("saga", row.sagaId())
                  .query(String.class)
                  .single())
          .isEqualTo(row.topic());
    }
  }

  @Test
  void aBatchWithoutCommandsIsOneStatementToo() {
    seed(perKind);
    seed(oneStatement);
    TransitionBatchDao.Writes full = batch();
    TransitionBatchDao.Writes w =
        new TransitionBatchDao.Writes(
            List.of(), full.updates(), full.log(), full.cancels(), List.of(), List.of());

    writePerKind(perKind, w);
    oneStatement.statements.set(0);
    List<OutboxRow> written = oneStatement.batch.write(w);

    assertThat(written).isEmpty();
    assertThat(oneStatement.statements).hasValue(1);
    assertThat(oneStatement.dump()).isEqualTo(perKind.dump());
    assertThat(oneStatement.announced).isEmpty();
  }

  @Test
  void startsWriteOnlyTheSagasThatAreNewAndTheirRowsInOneStatement() {
    seed(perKind);
    seed(oneStatement);
    Instant later = T0.plusSeconds(2);
    SagaRow seenBefore = saga(id(2), "RUNNING", 1, later);
    SagaRow fresh = saga(id(5), "RUNNING", 1, later);
    TransitionBatchDao.Writes starts =
        new TransitionBatchDao.Writes(
            List.of(seenBefore, fresh),
            List.of(),
            List.of(log(id(2), 1, false), log(id(5), 1, false)),
            List.of(new TimerDao.Cancel(id(2), null), new TimerDao.Cancel(id(5), null)),
            List.of(timer(id(2), "car", 1, later), timer(id(5), "car", 1, later.plusSeconds(1))),
            List.of(command(id(2), "car"), command(id(5), "car")));

    perKind.instances.insert(fresh);
    perKind.log.insert(List.of(log(id(5), 1, false)));
    perKind.timers.insert(List.of(timer(id(5), "car", 1, later.plusSeconds(1))));
    List<OutboxRow> expected = perKind.outbox.insert(List.of(command(id(5), "car")));
    oneStatement.statements.set(0);
    TransitionBatchDao.Started started = oneStatement.batch.writeStarts(starts);

    assertThat(oneStatement.statements).hasValue(1);
    assertThat(started.inserted()).containsExactly(id(5));
    assertThat(started.outbox()).isEqualTo(expected);
    assertThat(oneStatement.dump()).isEqualTo(perKind.dump());
    assertThat(oneStatement.announced).containsExactly(later.plusSeconds(1));
  }

  @Test
  void theStatementsArePlannedOnceForAnyBatchInsideATransaction() throws Exception {
    try (Connection connection = oneStatement.db.dataSource().getConnection()) {
      // one connection, whose prepared statements pg_prepared_statements lists
      SingleConnectionDataSource session = new SingleConnectionDataSource(connection, true);
      JdbcClient jdbc = JdbcClient.create(session);
      NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(session);
      TransitionBatchDao batch =
          new TransitionBatchDao(
              named,
              new TimerDao(jdbc, named),
              new OutboxDao(jdbc, named, JsonMapper.builder().build()));
      TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(session));
      // more executions than the driver takes to prepare a statement on the server (5)
      for (int n = 1; n <= 8; n++) {
        UUID saga = id(100 + n);
        Instant at = T0.plusSeconds(n);
        tx.executeWithoutResult(
            s ->
                batch.writeStarts(
                    new TransitionBatchDao.Writes(
                        List.of(saga(saga, "RUNNING", 1, at)),
                        List.of(),
                        List.of(log(saga, 1, false)),
                        List.of(),
                        List.of(timer(saga, "car", 1, at.plusSeconds(5))),
                        List.of(command(saga, "car")))));
        tx.executeWithoutResult(
            s ->
                batch.write(
                    new TransitionBatchDao.Writes(
                        List.of(),
                        List.of(saga(saga, "COMPLETED", 2, at.plusMillis(10))),
                        List.of(log(saga, 2, true)),
                        List.of(new TimerDao.Cancel(saga, null)),
                        List.of(),
                        List.of())));
      }

      List<Map<String, Object>> plans =
          jdbc.sql(
                  "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                      + " WHERE statement LIKE 'WITH w0%'")
              .query()
              .listOfRows();
      assertThat(plans).hasSize(2);
      assertThat(plans)
          .allSatisfy(
              row -> {
                assertThat(row.get("custom_plans")).isEqualTo(0L);
                assertThat((Long) row.get("generic_plans")).isPositive();
              });
    }
  }

  @Test
  void startsSeenBeforeWriteNothing() {
    seed(oneStatement);
    List<String> before = oneStatement.dump();

    TransitionBatchDao.Started started =
        oneStatement.batch.writeStarts(
            new TransitionBatchDao.Writes(
                List.of(saga(id(1), "RUNNING", 1, T0.plusSeconds(2))),
                List.of(),
                List.of(log(id(1), 1, false)),
                List.of(),
                List.of(timer(id(1), "car", 1, T0.plusSeconds(9))),
                List.of(command(id(1), "car"))));

    assertThat(started.inserted()).isEmpty();
    assertThat(started.outbox()).isEmpty();
    assertThat(oneStatement.dump()).isEqualTo(before);
    assertThat(oneStatement.announced).isEmpty();
  }

  @Test
  void anEmptyBatchWritesNothing() {
    oneStatement.statements.set(0);

    assertThat(
            oneStatement.batch.write(
                new TransitionBatchDao.Writes(
                    List.of(), List.of(), List.of(), List.of(), List.of(), List.of())))
        .isEmpty();
    assertThat(oneStatement.statements).hasValue(0);
  }

  /** The data source with every statement the DAOs prepare or create counted. */
  private static DataSource counting(DataSource target, AtomicInteger statements) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(target, method, args);
              if (result instanceof Connection c) {
                return countingConnection(c, statements);
              }
              return result;
            });
  }

  private static Connection countingConnection(Connection target, AtomicInteger statements) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (name.equals("prepareStatement")
                  || name.equals("prepareCall")
                  || name.equals("createStatement")) {
                statements.incrementAndGet();
              }
              return invoke(target, method, args);
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
