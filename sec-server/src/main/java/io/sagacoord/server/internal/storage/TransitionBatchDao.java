package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes everything a batch of transitions resolved to in one statement, one round trip: each kind
 * of row is a data-modifying part of a WITH clause fed by arrays, and the parts for kinds the batch
 * lacks are left out (a handful of statement texts, each prepared once by the driver). The SQL of
 * each table comes from that table's DAO.
 *
 * <p>All parts of one statement see the same snapshot, the one from before the statement: the timer
 * DELETE never sees the timers the same statement inserts. That is the order the batch needs
 * (stored timers deleted, then the batch's timers inserted), because the batch resolves timers in
 * memory first: a cancel drops the timers scheduled before it in the batch, so every timer left to
 * insert was scheduled after every cancel that matches it and must survive.
 */
@Repository
public class TransitionBatchDao {

  /**
   * The rows of a batch: instances to insert and to update (one row per saga each), log rows, timer
   * cancels, timers and outbox rows, each in the order they are to be written.
   */
  public record Writes(
      List<SagaRow> inserts,
      List<SagaRow> updates,
      List<LogRow> log,
      List<TimerDao.Cancel> cancels,
      List<TimerRow> timers,
      List<OutboxRow> outbox) {}

  /**
   * Lets PostgreSQL plan the batch statements once per connection. Each part joins arrays to a
   * primary key or an index, so the plan does not depend on the values; but a custom plan sees
   * arrays of one element where the generic plan assumes ten, judges the generic plan ten times
   * dearer and plans every execution anew (0.4 ms of the server's CPU for each reply that travels
   * alone). The setting ends with the transaction (outside one there is nothing to set). It is sent
   * in front of the statement, in the same round trip: the driver sends both and waits once, and
   * the server applies the setting before it plans the statement.
   */
  private static final String GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan;";

  private final NamedParameterJdbcTemplate jdbc;
  private final TimerDao timers;
  private final OutboxDao outbox;

  public TransitionBatchDao(NamedParameterJdbcTemplate jdbc, TimerDao timers, OutboxDao outbox) {
    this.jdbc = jdbc;
    this.timers = timers;
    this.outbox = outbox;
  }

  /**
   * Writes the rows in the current transaction in one statement. Like {@link
   * SagaInstanceDao#update}, an update of a saga that has no row changes nothing (the caller holds
   * the sagas it updates locked). Returns the outbox rows with their ids, in their order.
   */
  public List<OutboxRow> write(Writes w) {
    Map<String, Object> params = new HashMap<>();
    List<String> parts = new ArrayList<>();
    if (!w.inserts().isEmpty()) {
      parts.add(SagaInstanceDao.insertFromArrays(w.inserts(), params));
    }
    if (!w.updates().isEmpty()) {
      parts.add(SagaInstanceDao.updateFromArrays(w.updates(), params));
    }
    if (!w.log().isEmpty()) {
      parts.add(SagaLogDao.insertFromArrays(w.log(), params, ""));
    }
    if (!w.cancels().isEmpty()) {
      parts.add(TimerDao.cancelFromArrays(w.cancels(), params));
    }
    if (!w.timers().isEmpty()) {
      parts.add(TimerDao.insertFromArrays(w.timers(), params, ""));
    }
    if (parts.isEmpty() && w.outbox().isEmpty()) {
      return List.of();
    }
    List<OutboxRow> inserted = List.of();
    if (w.outbox().isEmpty()) {
      // the last part is the statement itself, the others its WITH clause
      execute(
          with(parts.subList(0, parts.size() - 1)) + parts.get(parts.size() - 1), params, rs -> {});
    } else {
      parts.add(outbox.insertFromArrays(w.outbox(), params, ""));
      List<Long> ids = new ArrayList<>();
      execute(
          with(parts) + "SELECT id FROM w" + (parts.size() - 1) + " ORDER BY id",
          params,
          rs -> ids.add(rs.getLong(1)));
      inserted = OutboxDao.withIds(w.outbox(), ids);
    }
    if (!w.timers().isEmpty()) {
      timers.inserted(w.timers());
    }
    return inserted;
  }

  /** What {@link #writeStarts} wrote: the sagas that were new, and their outbox rows with ids. */
  public record Started(Set<UUID> inserted, List<OutboxRow> outbox) {}

  /**
   * Writes new sagas in one statement: the instances whose id does not exist yet ({@code ON
   * CONFLICT (id) DO NOTHING}, in the given order), and the log rows, timers and outbox rows of
   * those only. A saga started with an idempotency key has an id derived from the key, so an
   * existing id is a start seen before, which writes nothing. Callers sort the instances by id, so
   * two transactions inserting overlapping ids wait for each other (the second skips the row once
   * the first commits) instead of deadlocking.
   *
   * <p>{@code w} updates no instance. Its cancels are not written: a new saga has no stored timer
   * yet (the statement's own timers are out of the DELETE's sight anyway), and a saga seen before
   * must keep its timers.
   */
  public Started writeStarts(Writes w) {
    if (!w.updates().isEmpty()) {
      throw new IllegalArgumentException("a batch of new sagas updates an instance");
    }
    if (w.inserts().isEmpty()) {
      return new Started(Set.of(), List.of());
    }
    Map<String, Object> params = new HashMap<>();
    List<String> parts = new ArrayList<>();
    parts.add(
        SagaInstanceDao.insertFromArrays(w.inserts(), params)
            + " ON CONFLICT (id) DO NOTHING RETURNING id");
    String onlyNew = " WHERE sid IN (SELECT id FROM w0)";
    if (!w.log().isEmpty()) {
      parts.add(SagaLogDao.insertFromArrays(w.log(), params, onlyNew));
    }
    if (!w.timers().isEmpty()) {
      parts.add(TimerDao.insertFromArrays(w.timers(), params, onlyNew));
    }
    String select = "SELECT id AS saga_id, NULL::bigint AS outbox_id FROM w0";
    if (!w.outbox().isEmpty()) {
      parts.add(outbox.insertFromArrays(w.outbox(), params, onlyNew));
      select += " UNION ALL SELECT NULL, id FROM w" + (parts.size() - 1);
    }
    Set<UUID> inserted = new HashSet<>();
    List<Long> ids = new ArrayList<>();
    execute(
        with(parts) + select,
        params,
        rs -> {
          UUID saga = rs.getObject("saga_id", UUID.class);
          if (saga != null) {
            inserted.add(saga);
          } else {
            ids.add(rs.getLong("outbox_id"));
          }
        });
    // the ids ascend in the order the rows were inserted (see OutboxDao#insertFromArrays)
    ids.sort(null);
    List<OutboxRow> commands =
        OutboxDao.withIds(
            w.outbox().stream().filter(row -> inserted.contains(row.sagaId())).toList(), ids);
    List<TimerRow> timersOfNew =
        w.timers().stream().filter(row -> inserted.contains(row.sagaId())).toList();
    if (!timersOfNew.isEmpty()) {
      timers.inserted(timersOfNew);
    }
    return new Started(Set.copyOf(inserted), commands);
  }

  /**
   * Runs one batch statement, inside a transaction with {@link #GENERIC_PLANS} in front of it, and
   * hands each row it returns to {@code rows}.
   */
  private void execute(String sql, Map<String, Object> params, RowCallbackHandler rows) {
    boolean inTransaction = TransactionSynchronizationManager.isActualTransactionActive();
    jdbc.execute(
        (inTransaction ? GENERIC_PLANS : "") + sql,
        params,
        ps -> {
          // the setting's result (no rows) comes first, then the statement's
          boolean hasRows = ps.execute();
          while (hasRows || ps.getUpdateCount() != -1) {
            if (hasRows) {
              try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                  rows.processRow(rs);
                }
              }
            }
            hasRows = ps.getMoreResults();
          }
          return null;
        });
  }

  /** {@code WITH w0 AS (...), w1 AS (...) } for the parts; empty for none. */
  private static String with(List<String> parts) {
    if (parts.isEmpty()) {
      return "";
    }
    StringBuilder sql = new StringBuilder("WITH ");
    for (int i = 0; i < parts.size(); i++) {
      sql.append(i == 0 ? "" : ",\n").append('w').append(i).append(" AS (\n");
      sql.append(parts.get(i)).append(')');
    }
    return sql.append('\n').toString();
  }
}
