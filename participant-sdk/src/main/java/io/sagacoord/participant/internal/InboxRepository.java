package io.sagacoord.participant.internal;

import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** All SQL on the inbox table, in one place. */
public final class InboxRepository {
  static final String TABLE = "saga_participant_inbox";

  /** The columns {@link #row} reads, in its order. */
  private static final String COLUMNS =
      "saga_id, step, phase, saga_type, command_type, attempt, executed_attempt, command_id,"
          + " outcome, reply_body, fence";

  private static final String SELECT_FOR_UPDATE =
      "SELECT "
          + COLUMNS
          + " FROM "
          + TABLE
          + " WHERE saga_id = ? AND step = ? AND phase = ? FOR UPDATE";

  private static final String UPSERT =
      "INSERT INTO "
          + TABLE
          + " (saga_id, step, phase, saga_type, command_type, attempt, executed_attempt,"
          + " command_id, outcome, reply_body, fence, created_at, updated_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (saga_id, step, phase) DO UPDATE SET"
          + " saga_type = EXCLUDED.saga_type, command_type = EXCLUDED.command_type,"
          + " attempt = EXCLUDED.attempt, executed_attempt = EXCLUDED.executed_attempt,"
          + " command_id = EXCLUDED.command_id, outcome = EXCLUDED.outcome,"
          + " reply_body = EXCLUDED.reply_body, fence = EXCLUDED.fence,"
          + " updated_at = EXCLUDED.updated_at";

  private static final String RAISE_ATTEMPT =
      "UPDATE "
          + TABLE
          + " SET attempt = ?, updated_at = ? WHERE saga_id = ? AND step = ? AND phase = ?";

  /**
   * Deletes in slices so a big purge never holds many locks or a long transaction. Fence rows have
   * their own, longer cut-off: a forward command stuck in a coordinator's outbox may still come.
   */
  private static final String PURGE_SLICE =
      "DELETE FROM "
          + TABLE
          + " WHERE ctid IN (SELECT ctid FROM "
          + TABLE
          + " WHERE updated_at < ? AND (NOT fence OR updated_at < ?) LIMIT ?)";

  /**
   * Serialises all work on one (saga, step), forward and compensation alike, for the rest of the
   * transaction. A row lock cannot do it: before the first command of a step commits there is no
   * row to lock, and two consumers (one of them a batch that lost its partition) could both run the
   * handler.
   */
  private static final String LOCK_STEP =
      "SELECT pg_advisory_xact_lock(hashtextextended(?::text || '|' || ?, 0))";

  /** A (saga, step) pair of a batch, whose lock and inbox rows {@link #lockAndFind} takes. */
  public record StepKey(UUID sagaId, String step) {}

  /**
   * One row whatever the number of steps: every lock is taken before the statement answers, even
   * where the driver would fetch a longer result a few rows at a time ({@code defaultRowFetchSize})
   * and leave the rest unread once the next statement's result is asked for.
   */
  private static final String LOCK_STEPS =
      "SELECT count(pg_advisory_xact_lock(hashtextextended(k.s || '|' || k.t, 0)))"
          + " FROM unnest(?::text[], ?::text[]) AS k(s, t)";

  private static final String SELECT_STEPS_FOR_UPDATE =
      "SELECT "
          + COLUMNS
          + " FROM "
          + TABLE
          + " WHERE (saga_id, step) IN (SELECT * FROM unnest(?::uuid[], ?::text[]))"
          + " ORDER BY saga_id, step, phase FOR UPDATE";

  /**
   * Takes the step locks of {@link #lockStep} for all {@code steps} in their order (the caller
   * sorts them, so two batches never wait on each other in a cycle), then reads and row-locks every
   * inbox row (any phase) of those steps.
   */
  public List<InboxRow> lockAndFind(Connection c, List<StepKey> steps) throws SQLException {
    String[] sagaIds = new String[steps.size()];
    String[] names = new String[steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      sagaIds[i] = steps.get(i).sagaId().toString();
      names[i] = steps.get(i).step();
    }
    List<InboxRow> rows = new ArrayList<>();
    // one round trip: the server runs the second statement, with a snapshot of its own, only once
    // the first holds every lock
    try (PreparedStatement ps = c.prepareStatement(LOCK_STEPS + ";" + SELECT_STEPS_FOR_UPDATE)) {
      ps.setArray(1, c.createArrayOf("text", sagaIds));
      ps.setArray(2, c.createArrayOf("text", names));
      ps.setArray(3, c.createArrayOf("uuid", sagaIds));
      ps.setArray(4, c.createArrayOf("text", names));
      ps.execute();
      // the first result is the number of locks taken, the second the inbox rows
      if (!ps.getMoreResults()) {
        throw new SQLException("the inbox read returned no result");
      }
      try (ResultSet rs = ps.getResultSet()) {
        while (rs.next()) {
          rows.add(row(rs));
        }
      }
    }
    return rows;
  }

  public Optional<InboxRow> findForUpdate(Connection c, UUID sagaId, String step, Phase phase)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SELECT_FOR_UPDATE)) {
      ps.setObject(1, sagaId);
      ps.setString(2, step);
      ps.setString(3, phase.wireName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  /** The current row of a result of {@link #COLUMNS}. */
  private static InboxRow row(ResultSet rs) throws SQLException {
    return new InboxRow(
        rs.getObject(1, UUID.class),
        rs.getString(2),
        Phase.fromWire(rs.getString(3)),
        rs.getString(4),
        rs.getString(5),
        rs.getInt(6),
        rs.getInt(7),
        rs.getString(8),
        ReplyOutcome.valueOf(rs.getString(9)),
        rs.getString(10),
        rs.getBoolean(11));
  }

  public void upsert(Connection c, InboxRow row, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      bindUpsert(ps, row, now);
      ps.executeUpdate();
    }
  }

  private static void bindUpsert(PreparedStatement ps, InboxRow row, Instant now)
      throws SQLException {
    OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
    ps.setObject(1, row.sagaId());
    ps.setString(2, row.step());
    ps.setString(3, row.phase().wireName());
    ps.setString(4, row.sagaType());
    ps.setString(5, row.commandType());
    ps.setInt(6, row.attempt());
    ps.setInt(7, row.executedAttempt());
    ps.setString(8, row.commandId());
    ps.setString(9, row.outcome().name());
    ps.setString(10, row.replyBody());
    ps.setBoolean(11, row.fence());
    ps.setObject(12, at);
    ps.setObject(13, at);
  }

  /** An inbox row to write, with the time of its command. */
  public record Write(InboxRow row, Instant at) {}

  /** Upserts {@code writes} with one JDBC batch (one round trip); keys must be distinct. */
  public void upsertAll(Connection c, List<Write> writes) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      for (Write w : writes) {
        bindUpsert(ps, w.row(), w.at());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  public void raiseAttempt(Connection c, InboxRow row, int attempt, Instant now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(RAISE_ATTEMPT)) {
      ps.setInt(1, attempt);
      ps.setObject(2, now.atOffset(ZoneOffset.UTC));
      ps.setObject(3, row.sagaId());
      ps.setString(4, row.step());
      ps.setString(5, row.phase().wireName());
      ps.executeUpdate();
    }
  }

  /**
   * Waits for and takes the transaction-scoped lock of (saga, step); released at commit or
   * rollback.
   */
  public void lockStep(Connection c, UUID sagaId, String step) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(LOCK_STEP)) {
      ps.setString(1, sagaId.toString());
      ps.setString(2, step);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
      }
    }
  }

  /**
   * Deletes rows last touched before {@code cutoff}, and fence rows last touched before {@code
   * fenceCutoff} (not later than {@code cutoff}); returns how many. Auto-commits slices.
   */
  public long purgeOlderThan(
      DataSource dataSource, Instant cutoff, Instant fenceCutoff, int sliceSize)
      throws SQLException {
    long total = 0;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      try (PreparedStatement ps = c.prepareStatement(PURGE_SLICE)) {
        ps.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
        ps.setObject(2, fenceCutoff.atOffset(ZoneOffset.UTC));
        ps.setInt(3, sliceSize);
        int deleted;
        do {
          deleted = ps.executeUpdate();
          total += deleted;
        } while (deleted == sliceSize);
      }
    }
    return total;
  }
}
