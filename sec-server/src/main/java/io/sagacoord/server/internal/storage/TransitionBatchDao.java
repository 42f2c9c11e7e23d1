package io.sagacoord.server.internal.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

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

  private final JdbcClient jdbc;
  private final TimerDao timers;
  private final OutboxDao outbox;

  public TransitionBatchDao(JdbcClient jdbc, TimerDao timers, OutboxDao outbox) {
    this.jdbc = jdbc;
    this.timers = timers;
    this.outbox = outbox;
  }

  /**
   * Writes the rows in the current transaction in one statement. Like {@link
   * SagaInstanceDao#updateAll}, an update of a saga that has no row changes nothing (the caller
   * holds the sagas it updates locked). Returns the outbox rows with their ids, in their order.
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
      parts.add(SagaLogDao.insertFromArrays(w.log(), params));
    }
    if (!w.cancels().isEmpty()) {
      parts.add(TimerDao.cancelFromArrays(w.cancels(), params));
    }
    if (!w.timers().isEmpty()) {
      parts.add(TimerDao.insertFromArrays(w.timers(), params));
    }
    List<OutboxRow> inserted = List.of();
    if (w.outbox().isEmpty()) {
      if (parts.isEmpty()) {
        return List.of();
      }
      // the last part is the statement itself, the others its WITH clause
      jdbc.sql(with(parts.subList(0, parts.size() - 1)) + parts.get(parts.size() - 1))
          .params(params)
          .update();
    } else {
      parts.add(outbox.insertFromArrays(w.outbox(), params));
      List<Long> ids =
          jdbc.sql(with(parts) + "SELECT id FROM w" + (parts.size() - 1) + " ORDER BY id")
              .params(params)
              .query(Long.class)
              .list();
      inserted = OutboxDao.withIds(w.outbox(), ids);
    }
    if (!w.timers().isEmpty()) {
      timers.inserted(w.timers());
    }
    return inserted;
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
