package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on {@code saga_timer}. */
@Repository
public class TimerDao {

  private final JdbcClient jdbc;
  private final NamedParameterJdbcTemplate named;

  private volatile Consumer<Instant> onInsert = due -> {};

  public TimerDao(JdbcClient jdbc, NamedParameterJdbcTemplate named) {
    this.jdbc = jdbc;
    this.named = named;
  }

  /**
   * Tells {@code listener} the earliest due time of every batch of timers inserted, inside the
   * inserting transaction (the listener decides what to do once it commits).
   */
  public void onInsert(Consumer<Instant> listener) {
    this.onInsert = listener;
  }

  public void insert(List<TimerRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    SqlParameterSource[] batch = new SqlParameterSource[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      TimerRow row = rows.get(i);
      batch[i] =
          new MapSqlParameterSource()
              .addValue("sagaId", row.sagaId())
              .addValue("kind", row.kind())
              .addValue("step", row.step())
              .addValue("phase", row.phase())
              .addValue("attempt", row.attempt())
              .addValue("dueAt", Sql.ts(row.dueAt()));
    }
    named.batchUpdate(
        """
        INSERT INTO saga_timer (saga_id, kind, step, phase, attempt, due_at)
        VALUES (:sagaId, :kind, :step, :phase, :attempt, :dueAt)
        """,
        batch);
    inserted(rows);
  }

  /** Tells the {@link #onInsert} listener about rows this transaction inserted (not empty). */
  void inserted(List<TimerRow> rows) {
    Instant earliest = rows.get(0).dueAt();
    for (TimerRow row : rows) {
      if (row.dueAt().isBefore(earliest)) {
        earliest = row.dueAt();
      }
    }
    onInsert.accept(earliest);
  }

  /**
   * An INSERT of the rows, fed by one array per column (the arrays go into {@code params}), in the
   * given order; for a WITH clause. {@code where} filters the rows ({@code sid} is the saga id), or
   * is empty. The caller tells {@link #inserted} once it ran.
   */
  static String insertFromArrays(List<TimerRow> rows, Map<String, Object> params, String where) {
    int n = rows.size();
    UUID[] sagaIds = new UUID[n];
    String[] kinds = new String[n];
    String[] steps = new String[n];
    String[] phases = new String[n];
    Integer[] attempts = new Integer[n];
    String[] due = new String[n];
    for (int i = 0; i < n; i++) {
      TimerRow r = rows.get(i);
      sagaIds[i] = r.sagaId();
      kinds[i] = r.kind();
      steps[i] = r.step();
      phases[i] = r.phase();
      attempts[i] = r.attempt();
      due[i] = Sql.text(r.dueAt());
    }
    params.put("tSagaIds", sagaIds);
    params.put("tKinds", kinds);
    params.put("tSteps", steps);
    params.put("tPhases", phases);
    params.put("tAttempts", attempts);
    params.put("tDue", due);
    return """
        INSERT INTO saga_timer (saga_id, kind, step, phase, attempt, due_at)
        SELECT sid, k, st, ph, a, du
        FROM unnest(CAST(:tSagaIds AS uuid[]), CAST(:tKinds AS varchar[]),
            CAST(:tSteps AS varchar[]), CAST(:tPhases AS varchar[]),
            CAST(:tAttempts AS integer[]), CAST(:tDue AS timestamptz[])) WITH ORDINALITY
            AS r (sid, k, st, ph, a, du, o)
        """
        + where
        + " ORDER BY o";
  }

  /**
   * A DELETE of the timers the cancels name, fed by arrays (they go into {@code params}); for a
   * WITH clause. A cancel with a null step takes every timer of its saga.
   */
  static String cancelFromArrays(List<Cancel> cancels, Map<String, Object> params) {
    int n = cancels.size();
    UUID[] sagaIds = new UUID[n];
    String[] steps = new String[n];
    for (int i = 0; i < n; i++) {
      sagaIds[i] = cancels.get(i).sagaId();
      steps[i] = cancels.get(i).step();
    }
    params.put("cSagaIds", sagaIds);
    params.put("cSteps", steps);
    return """
        DELETE FROM saga_timer t
        USING unnest(CAST(:cSagaIds AS uuid[]), CAST(:cSteps AS varchar[])) AS c (sid, st)
        WHERE t.saga_id = c.sid AND (c.st IS NULL OR t.step = c.st)""";
  }

  /**
   * A command that reached Kafka {@code delay} after it was written: its attempt's timeout counts
   * from then.
   */
  public record LateSend(UUID sagaId, String step, String phase, int attempt, Duration delay) {}

  /**
   * Moves the step timeouts of these attempts later by each one's delay, so that an attempt's
   * timeout counts from when its command reached Kafka, not from when it was written (a crash
   * between the two must not eat the participant's time).
   *
   * <p>It never waits: a timer row another transaction holds is left as it is ({@code SKIP
   * LOCKED}). Its holder is a reply batch or an operator action that deletes it (the attempt is
   * answered or cancelled) or the timer poller that fires it, so moving it would change nothing;
   * and since the relay holds no saga lock, waiting for a row while holding others could close a
   * cycle with a reply batch that locks the same rows in another order. One statement per attempt,
   * all in one round trip: each finds its row by the {@code (saga_id, step)} index, whatever the
   * table's statistics when the statement is prepared (a join of the table with arrays of all
   * attempts, prepared while the table is new, scans the whole table once per attempt).
   *
   * @return how many timers moved
   */
  public int postponeTimeouts(List<LateSend> sends) {
    if (sends.isEmpty()) {
      return 0;
    }
    SqlParameterSource[] batch = new SqlParameterSource[sends.size()];
    for (int i = 0; i < sends.size(); i++) {
      LateSend send = sends.get(i);
      batch[i] =
          new MapSqlParameterSource()
              .addValue("sagaId", send.sagaId())
              .addValue("step", send.step())
              .addValue("phase", send.phase())
              .addValue("attempt", send.attempt())
              .addValue("micros", send.delay().toNanos() / 1_000);
    }
    int[] moved =
        named.batchUpdate(
            """
            UPDATE saga_timer SET due_at = due_at + make_interval(secs => :micros / 1000000.0)
            WHERE saga_id = :sagaId AND step = :step AND kind = 'STEP_TIMEOUT'
              AND attempt = :attempt AND coalesce(phase, 'forward') = :phase
              AND ctid = ANY (ARRAY(
                  SELECT ctid FROM saga_timer
                  WHERE saga_id = :sagaId AND step = :step AND kind = 'STEP_TIMEOUT'
                    AND attempt = :attempt AND coalesce(phase, 'forward') = :phase
                  FOR UPDATE SKIP LOCKED))
            """,
            batch);
    int total = 0;
    for (int n : moved) {
      total += Math.max(n, 0);
    }
    return total;
  }

  /** Whether any timer is due at {@code now}. */
  public boolean anyDue(Instant now) {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM saga_timer WHERE due_at <= :now)")
        .param("now", Sql.ts(now))
        .query(Boolean.class)
        .single();
  }

  /**
   * The earliest due time of any timer, of any coordinator, due or not; empty when there is none.
   * One index probe: an idle poll asks only this.
   */
  public Optional<Instant> firstDue() {
    return minDue(jdbc.sql("SELECT min(due_at) AS first_due FROM saga_timer"));
  }

  /**
   * The earliest due time after {@code instant} of any timer, of any coordinator; empty when there
   * is none.
   */
  public Optional<Instant> nextDueAfter(Instant instant) {
    return minDue(
        jdbc.sql("SELECT min(due_at) AS first_due FROM saga_timer WHERE due_at > :instant")
            .param("instant", Sql.ts(instant)));
  }

  // min() answers one row, with null when no timer matches
  private static Optional<Instant> minDue(JdbcClient.StatementSpec query) {
    List<Instant> first = query.query((rs, n) -> Sql.instant(rs, "first_due")).list();
    return first.isEmpty() ? Optional.empty() : Optional.ofNullable(first.get(0));
  }

  /** A cancel of the timers of one step of a saga, or of all of them when {@code step} is null. */
  public record Cancel(UUID sagaId, String step) {}

  /** Cancels the timers of one step of a saga, or all of them when {@code step} is null. */
  public void cancel(UUID sagaId, String step) {
    if (step == null) {
      jdbc.sql("DELETE FROM saga_timer WHERE saga_id = :sagaId").param("sagaId", sagaId).update();
    } else {
      jdbc.sql("DELETE FROM saga_timer WHERE saga_id = :sagaId AND step = :step")
          .param("sagaId", sagaId)
          .param("step", step)
          .update();
    }
  }

  /**
   * Sagas with a due timer, oldest first, without locking: the caller locks the saga rows first and
   * then the timers, the same order as reply intake, so the two never deadlock.
   */
  public List<UUID> sagasWithDueTimers(Instant now, int limit) {
    return jdbc.sql(
            """
            SELECT saga_id FROM (
                SELECT saga_id, min(due_at) AS first_due FROM saga_timer
                WHERE due_at <= :now GROUP BY saga_id) due
            ORDER BY first_due LIMIT :limit
            """)
        .param("now", Sql.ts(now))
        .param("limit", limit)
        .query(UUID.class)
        .list();
  }

  /** Claims the due timers of one (already locked) saga, in due order. */
  public List<TimerRow> claimDue(UUID sagaId, Instant now) {
    return jdbc.sql(
            """
            SELECT id, saga_id, kind, step, phase, attempt, due_at FROM saga_timer
            WHERE saga_id = :sagaId AND due_at <= :now
            ORDER BY due_at, id FOR UPDATE SKIP LOCKED
            """)
        .param("sagaId", sagaId)
        .param("now", Sql.ts(now))
        .query(TimerDao::map)
        .list();
  }

  /** Deletes a claimed timer; false if another transaction already removed it. */
  public boolean delete(UUID sagaId, long id) {
    // by saga first: the (saga_id, step) index finds it (there is no index on id alone)
    return jdbc.sql("DELETE FROM saga_timer WHERE saga_id = :sagaId AND id = :id")
            .param("sagaId", sagaId)
            .param("id", id)
            .update()
        == 1;
  }

  public List<TimerRow> findBySaga(UUID sagaId) {
    return jdbc.sql(
            """
            SELECT id, saga_id, kind, step, phase, attempt, due_at FROM saga_timer
            WHERE saga_id = :sagaId ORDER BY due_at, id
            """)
        .param("sagaId", sagaId)
        .query(TimerDao::map)
        .list();
  }

  static TimerRow map(ResultSet rs, int rowNum) throws SQLException {
    return new TimerRow(
        rs.getLong("id"),
        Sql.uuid(rs, "saga_id"),
        rs.getString("kind"),
        rs.getString("step"),
        rs.getString("phase"),
        rs.getInt("attempt"),
        Sql.instant(rs, "due_at"));
  }
}
