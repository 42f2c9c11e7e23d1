package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import io.sagacoord.protocol.SagaIds;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds sagas that reached a terminal status by polling {@code saga_instance} on {@code
 * finished_at} (set by the transition that made the saga terminal, null before; indexed where set,
 * while {@code updated_at} is not indexed so that step updates stay HOT). A record is known by the
 * id its start's idempotency key gives the saga ({@link SagaIds#ofStart}: a start through Kafka
 * gets no saga id back, and none is needed). The end time of a saga is its row's {@code
 * finished_at}, not the time of the poll. A row committed a little after its {@code finished_at} is
 * still found because every poll looks {@value #SLACK_MILLIS} ms behind the newest time seen;
 * {@link #sweep} asks for the rest by id.
 */
public final class CompletionTracker implements AutoCloseable {
  static final String TERMINAL = "('COMPLETED','COMPENSATED','FAILED')";
  private static final long SLACK_MILLIS = 1500;

  private final Connection connection;
  private final Map<UUID, SagaRecord> known = new ConcurrentHashMap<>();

  /** Terminal rows seen before the saga was registered. */
  private final Map<UUID, Terminal> early = new ConcurrentHashMap<>();

  private record Terminal(UUID id, String status, long created, long updated) {}

  private static final String SELECT =
      "SELECT i.id, i.status, i.created_at, i.finished_at FROM saga_instance i"
          + " WHERE i.finished_at IS NOT NULL AND i.status IN "
          + TERMINAL;
  private final Thread poller;
  private volatile boolean running = true;
  private volatile long watermarkMicros;

  public CompletionTracker(Connection connection, Duration interval) {
    this.connection = connection;
    this.watermarkMicros = Micros.now() - 60_000_000L;
    this.poller =
        new Thread(
            () -> {
              while (running) {
                try {
                  pollOnce();
                  Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                  return;
                } catch (SQLException e) {
                  System.err.println("completion poll failed: " + e);
                }
              }
            },
            "bench-completion-poller");
    poller.setDaemon(true);
    poller.start();
  }

  /** Registers a started saga; completes it at once if its terminal row was seen already. */
  void register(SagaRecord record) {
    UUID id = idOf(record);
    known.put(id, record);
    Terminal t = early.remove(id);
    if (t != null) {
      record.complete(t.id(), t.status(), t.created(), t.updated());
    }
  }

  private synchronized void pollOnce() throws SQLException {
    long from = watermarkMicros - SLACK_MILLIS * 1000;
    long newest = watermarkMicros;
    try (PreparedStatement ps = connection.prepareStatement(SELECT + " AND i.finished_at >= ?")) {
      ps.setTimestamp(1, Timestamp.from(Micros.toInstant(from)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          newest = Math.max(newest, accept(rs));
        }
      }
    }
    watermarkMicros = newest;
    if (early.size() > 200_000) {
      early.clear();
    }
  }

  /** Completes the record of a terminal row (or keeps the row for later); returns finished_at. */
  private long accept(ResultSet rs) throws SQLException {
    Terminal t =
        new Terminal(
            rs.getObject(1, UUID.class),
            rs.getString(2),
            Micros.of(rs.getObject(3, OffsetDateTime.class)),
            Micros.of(rs.getObject(4, OffsetDateTime.class)));
    SagaRecord record = known.get(t.id());
    if (record != null) {
      record.complete(t.id(), t.status(), t.created(), t.updated());
    } else {
      early.put(t.id(), t);
    }
    return t.updated();
  }

  /** The id the record's start gives its saga. */
  private static UUID idOf(SagaRecord record) {
    return SagaIds.ofStart(BenchSaga.TYPE, record.key);
  }

  /** Asks by id for the records not yet seen terminal (what the incremental poll may miss). */
  public synchronized void sweep(List<SagaRecord> records) throws SQLException {
    List<UUID> open = new ArrayList<>();
    for (SagaRecord r : records) {
      if (!r.startError && !r.terminal()) {
        open.add(idOf(r));
      }
    }
    for (int i = 0; i < open.size(); i += 5000) {
      List<UUID> chunk = open.subList(i, Math.min(open.size(), i + 5000));
      Array ids = connection.createArrayOf("uuid", chunk.toArray());
      try (PreparedStatement ps = connection.prepareStatement(SELECT + " AND i.id = ANY (?)")) {
        ps.setArray(1, ids);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            accept(rs);
          }
        }
      }
    }
  }

  /**
   * Waits until every started record is terminal (or its start failed), sweeping by id now and
   * then; returns false on timeout.
   */
  public boolean awaitAll(List<SagaRecord> records, Duration timeout) throws SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int round = 0;
    while (true) {
      boolean all = true;
      for (SagaRecord r : records) {
        if (!r.startError && !r.terminal()) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        sweep(records);
        return records.stream().allMatch(r -> r.startError || r.terminal());
      }
      if (++round % 10 == 0) {
        sweep(records);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    poller.interrupt();
    try {
      poller.join(5000);
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException ignored) {
      // closing anyway
    }
  }
}
