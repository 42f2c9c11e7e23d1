package io.sagacoord.server.internal.pipeline;

import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.storage.TimerRow;
import io.sagacoord.server.internal.storage.TransitionBatchDao;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The writes of many transitions, kept in memory in the order they were made and written with one
 * statement ({@link TransitionBatchDao}). Not thread-safe; confined to one batch of replies.
 *
 * <p>Flushing turns the ordered writes into: the last row of each saga (inserted or updated), all
 * log rows, the timer deletions, the timer insertions, the outbox rows. Timers are resolved in
 * memory first, so the order of the engine's effects survives: a cancel removes the timers
 * scheduled earlier in the batch (they are never written) and deletes the stored ones, while a
 * timer scheduled after the cancel is inserted; the deletions see only the stored timers, never the
 * ones the same statement inserts.
 */
public final class WriteBatch implements TransitionWriter.Sink {

  private sealed interface Op {}

  private record InsertInstance(SagaRow row) implements Op {}

  private record UpdateInstance(SagaRow row) implements Op {}

  private record InsertLog(List<LogRow> rows) implements Op {}

  private record InsertTimers(List<TimerRow> rows) implements Op {}

  private record CancelTimers(UUID sagaId, String step) implements Op {}

  private record InsertOutbox(List<OutboxRow> rows) implements Op {}

  private record Metric(Runnable action) implements Op {}

  private final List<Op> ops = new ArrayList<>();

  @Override
  public void insertInstance(SagaRow row) {
    ops.add(new InsertInstance(row));
  }

  @Override
  public void updateInstance(SagaRow row) {
    ops.add(new UpdateInstance(row));
  }

  @Override
  public void insertLog(List<LogRow> rows) {
    if (!rows.isEmpty()) {
      ops.add(new InsertLog(List.copyOf(rows)));
    }
  }

  @Override
  public void insertTimers(List<TimerRow> rows) {
    if (!rows.isEmpty()) {
      ops.add(new InsertTimers(List.copyOf(rows)));
    }
  }

  @Override
  public void cancelTimers(UUID sagaId, String step) {
    ops.add(new CancelTimers(sagaId, step));
  }

  @Override
  public void insertOutbox(List<OutboxRow> rows) {
    if (!rows.isEmpty()) {
      ops.add(new InsertOutbox(List.copyOf(rows)));
    }
  }

  @Override
  public void metric(Runnable action) {
    ops.add(new Metric(action));
  }

  /** Adds the writes of another batch after these (a reply applied on its own first). */
  public void append(WriteBatch other) {
    ops.addAll(other.ops);
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  /** The statements a flush would run, resolved; visible for tests. */
  record Resolved(
      List<SagaRow> inserts,
      List<SagaRow> updates,
      List<LogRow> log,
      List<TimerDao.Cancel> cancels,
      List<TimerRow> timers,
      List<OutboxRow> outbox,
      List<Runnable> metrics) {}

  Resolved resolve() {
    Map<UUID, SagaRow> inserts = new LinkedHashMap<>();
    Map<UUID, SagaRow> updates = new LinkedHashMap<>();
    List<LogRow> log = new ArrayList<>();
    Set<TimerDao.Cancel> cancels = new LinkedHashSet<>();
    List<TimerRow> timers = new ArrayList<>();
    List<OutboxRow> outbox = new ArrayList<>();
    List<Runnable> metrics = new ArrayList<>();
    for (Op op : ops) {
      if (op instanceof InsertInstance i) {
        inserts.put(i.row().id(), i.row());
      } else if (op instanceof UpdateInstance u) {
        if (inserts.containsKey(u.row().id())) {
          // inserted in this batch: insert the latest state instead
          inserts.put(u.row().id(), u.row());
        } else {
          updates.put(u.row().id(), u.row());
        }
      } else if (op instanceof InsertLog l) {
        log.addAll(l.rows());
      } else if (op instanceof InsertTimers t) {
        timers.addAll(t.rows());
      } else if (op instanceof CancelTimers c) {
        timers.removeIf(
            t ->
                t.sagaId().equals(c.sagaId())
                    && (c.step() == null || Objects.equals(c.step(), t.step())));
        cancels.add(new TimerDao.Cancel(c.sagaId(), c.step()));
      } else if (op instanceof InsertOutbox o) {
        outbox.addAll(o.rows());
      } else if (op instanceof Metric m) {
        metrics.add(m.action());
      }
    }
    return new Resolved(
        List.copyOf(inserts.values()),
        List.copyOf(updates.values()),
        log,
        List.copyOf(cancels),
        timers,
        outbox,
        metrics);
  }

  /**
   * Writes everything in the current transaction in one statement; then registers the metrics (they
   * count after the commit). Returns the outbox rows with their ids.
   */
  public List<OutboxRow> flush(TransitionBatchDao dao) {
    Resolved r = resolve();
    List<OutboxRow> inserted =
        dao.write(
            new TransitionBatchDao.Writes(
                r.inserts(), r.updates(), r.log(), r.cancels(), r.timers(), r.outbox()));
    r.metrics().forEach(Runnable::run);
    return inserted;
  }

  /**
   * Writes the starts of new sagas in one statement: each instance only if its id does not exist
   * yet, and the other rows of the sagas so inserted ({@link TransitionBatchDao#writeStarts}). Runs
   * no metrics: the caller runs those of the starts that were new ({@link #runMetrics}).
   */
  public TransitionBatchDao.Started flushStarts(TransitionBatchDao dao) {
    Resolved r = resolve();
    return dao.writeStarts(
        new TransitionBatchDao.Writes(
            r.inserts(), r.updates(), r.log(), r.cancels(), r.timers(), r.outbox()));
  }

  /** Registers the metrics of these writes, once they are written. */
  public void runMetrics() {
    for (Op op : ops) {
      if (op instanceof Metric m) {
        m.action().run();
      }
    }
  }
}
