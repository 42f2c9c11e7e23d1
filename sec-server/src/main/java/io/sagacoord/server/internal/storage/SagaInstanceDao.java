package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on {@code saga_instance}. */
@Repository
public class SagaInstanceDao {

  /**
   * A saga's {@code updated_at}. The column is null when it equals {@code finished_at} (the
   * transition that made the saga terminal, usually its last one), 8 bytes less per finished saga;
   * every query that reads or compares it goes through this expression. A saga that is not terminal
   * always has the column.
   */
  static final String UPDATED_AT = "COALESCE(updated_at, finished_at)";

  // fingerprint: the 32 bytes of the definition's SHA-256 in the table, the hex digits in Java
  private static final String COLUMNS =
      "id, saga_type, definition_version, encode(fingerprint, 'hex') AS fingerprint, status,"
          + " status_reason, previous_status,"
          + " data::text AS data,"
          + " steps::text AS steps, deadline, business_key, created_at, "
          + UPDATED_AT
          + " AS updated_at, last_seq";

  /**
   * finished_at: when the saga entered its current terminal status, null while not terminal. Only
   * the transition that changes the status writes it (status on the right is the old value), so the
   * index on it leaves every other update HOT. updated_at is null when it is that same time ({@link
   * #UPDATED_AT}).
   */
  private static final String UPDATE =
      """
      UPDATE saga_instance SET status = :status, status_reason = :statusReason,
          previous_status = :previousStatus,
          data = CAST(:data AS jsonb), steps = CAST(:steps AS jsonb), deadline = :deadline,
          updated_at = CASE
              WHEN :status IN ('COMPLETED', 'COMPENSATED', 'FAILED') AND status <> :status
                  THEN NULL
              ELSE CAST(:updatedAt AS timestamptz) END,
          last_seq = :lastSeq,
          finished_at = CASE
              WHEN :status NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED') THEN NULL
              WHEN status = :status THEN finished_at
              ELSE CAST(:updatedAt AS timestamptz) END
      WHERE id = :id
      """;

  private final JdbcClient jdbc;

  public SagaInstanceDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  private static final String INSERT =
      """
      INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,
          status_reason, previous_status, data, steps, deadline, business_key, created_at, updated_at,
          last_seq, finished_at)
      VALUES (:id, :sagaType, :definitionVersion, decode(:fingerprint, 'hex'), :status,
          :statusReason,
          :previousStatus,
          CAST(:data AS jsonb), CAST(:steps AS jsonb), :deadline, :businessKey, :createdAt,
          CASE WHEN :status NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED')
              THEN CAST(:updatedAt AS timestamptz) END,
          :lastSeq,
          CASE WHEN :status IN ('COMPLETED', 'COMPENSATED', 'FAILED')
              THEN CAST(:updatedAt AS timestamptz) END)
      """;

  public void insert(SagaRow row) {
    jdbc.sql(INSERT).paramSource(insertParams(row)).update();
  }

  /**
   * An INSERT of the rows, fed by one array per column (the arrays go into {@code params}), in the
   * given order; for a WITH clause, with a conflict clause or RETURNING added as the caller needs.
   */
  static String insertFromArrays(List<SagaRow> rows, Map<String, Object> params) {
    int n = rows.size();
    UUID[] ids = new UUID[n];
    String[] types = new String[n];
    Integer[] versions = new Integer[n];
    String[] fingerprints = new String[n];
    String[] statuses = new String[n];
    String[] reasons = new String[n];
    String[] previous = new String[n];
    String[] data = new String[n];
    String[] steps = new String[n];
    String[] deadlines = new String[n];
    String[] businessKeys = new String[n];
    String[] created = new String[n];
    String[] updated = new String[n];
    Integer[] lastSeqs = new Integer[n];
    for (int i = 0; i < n; i++) {
      SagaRow r = rows.get(i);
      ids[i] = r.id();
      types[i] = r.sagaType();
      versions[i] = r.definitionVersion();
      fingerprints[i] = r.fingerprint();
      statuses[i] = r.status();
      reasons[i] = r.statusReason();
      previous[i] = r.previousStatus();
      data[i] = r.dataJson();
      steps[i] = r.stepsJson();
      deadlines[i] = Sql.text(r.deadline());
      businessKeys[i] = r.businessKey();
      created[i] = Sql.text(r.createdAt());
      updated[i] = Sql.text(r.updatedAt());
      lastSeqs[i] = r.lastSeq();
    }
    params.put("iIds", ids);
    params.put("iTypes", types);
    params.put("iVersions", versions);
    params.put("iFingerprints", fingerprints);
    params.put("iStatuses", statuses);
    params.put("iReasons", reasons);
    params.put("iPrevious", previous);
    params.put("iData", data);
    params.put("iSteps", steps);
    params.put("iDeadlines", deadlines);
    params.put("iBusinessKeys", businessKeys);
    params.put("iCreated", created);
    params.put("iUpdated", updated);
    params.put("iLastSeqs", lastSeqs);
    return """
        INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,
            status_reason, previous_status, data, steps, deadline, business_key,
            created_at, updated_at, last_seq, finished_at)
        SELECT id, t, v, decode(f, 'hex'), s, sr, ps, CAST(d AS jsonb), CAST(st AS jsonb),
            dl, bk, c,
            -- updated_at is null when it is finished_at (as in INSERT)
            CASE WHEN s NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED') THEN u END, q,
            CASE WHEN s IN ('COMPLETED', 'COMPENSATED', 'FAILED') THEN u END
        FROM unnest(CAST(:iIds AS uuid[]), CAST(:iTypes AS varchar[]),
            CAST(:iVersions AS integer[]), CAST(:iFingerprints AS varchar[]),
            CAST(:iStatuses AS varchar[]), CAST(:iReasons AS text[]),
            CAST(:iPrevious AS varchar[]), CAST(:iData AS text[]), CAST(:iSteps AS text[]),
            CAST(:iDeadlines AS timestamptz[]), CAST(:iBusinessKeys AS varchar[]),
            CAST(:iCreated AS timestamptz[]), CAST(:iUpdated AS timestamptz[]),
            CAST(:iLastSeqs AS integer[])) WITH ORDINALITY
            AS r (id, t, v, f, s, sr, ps, d, st, dl, bk, c, u, q, o)
        ORDER BY o""";
  }

  /**
   * The UPDATE of {@link #UPDATE} for many rows, fed by one array per column (the arrays go into
   * {@code params}); for a WITH clause. Like {@link #update} it does not check that every row
   * matched: the caller holds the rows locked.
   */
  static String updateFromArrays(Collection<SagaRow> rows, Map<String, Object> params) {
    int n = rows.size();
    UUID[] ids = new UUID[n];
    String[] statuses = new String[n];
    String[] reasons = new String[n];
    String[] previous = new String[n];
    String[] data = new String[n];
    String[] steps = new String[n];
    String[] deadlines = new String[n];
    String[] updated = new String[n];
    Integer[] lastSeqs = new Integer[n];
    int i = 0;
    for (SagaRow r : rows) {
      ids[i] = r.id();
      statuses[i] = r.status();
      reasons[i] = r.statusReason();
      previous[i] = r.previousStatus();
      data[i] = r.dataJson();
      steps[i] = r.stepsJson();
      deadlines[i] = Sql.text(r.deadline());
      updated[i] = Sql.text(r.updatedAt());
      lastSeqs[i] = r.lastSeq();
      i++;
    }
    params.put("uIds", ids);
    params.put("uStatuses", statuses);
    params.put("uReasons", reasons);
    params.put("uPrevious", previous);
    params.put("uData", data);
    params.put("uSteps", steps);
    params.put("uDeadlines", deadlines);
    params.put("uUpdated", updated);
    params.put("uLastSeqs", lastSeqs);
    // on the right of SET, i.status and i.finished_at are the old values (as in UPDATE)
    return """
        UPDATE saga_instance i SET status = r.s, status_reason = r.sr, previous_status = r.ps,
            data = CAST(r.d AS jsonb), steps = CAST(r.st AS jsonb), deadline = r.dl,
            updated_at = CASE
                WHEN r.s IN ('COMPLETED', 'COMPENSATED', 'FAILED') AND i.status <> r.s THEN NULL
                ELSE r.u END,
            last_seq = r.q,
            finished_at = CASE
                WHEN r.s NOT IN ('COMPLETED', 'COMPENSATED', 'FAILED') THEN NULL
                WHEN i.status = r.s THEN i.finished_at
                ELSE r.u END
        FROM unnest(CAST(:uIds AS uuid[]), CAST(:uStatuses AS varchar[]),
            CAST(:uReasons AS text[]), CAST(:uPrevious AS varchar[]), CAST(:uData AS text[]),
            CAST(:uSteps AS text[]), CAST(:uDeadlines AS timestamptz[]),
            CAST(:uUpdated AS timestamptz[]), CAST(:uLastSeqs AS integer[]))
            AS r (id, s, sr, ps, d, st, dl, u, q)
        WHERE i.id = r.id""";
  }

  /** The mutable columns of {@link #updateParams} and those fixed at the insert. */
  private static MapSqlParameterSource insertParams(SagaRow row) {
    return updateParams(row)
        .addValue("sagaType", row.sagaType())
        .addValue("definitionVersion", row.definitionVersion())
        .addValue("fingerprint", row.fingerprint())
        .addValue("businessKey", row.businessKey())
        .addValue("createdAt", Sql.ts(row.createdAt()));
  }

  /** Writes the mutable columns of a saga whose row this transaction has locked. */
  public void update(SagaRow row) {
    jdbc.sql(UPDATE).paramSource(updateParams(row)).update();
  }

  private static MapSqlParameterSource updateParams(SagaRow row) {
    return new MapSqlParameterSource()
        .addValue("id", row.id())
        .addValue("status", row.status())
        .addValue("statusReason", row.statusReason())
        .addValue("previousStatus", row.previousStatus())
        .addValue("data", row.dataJson())
        .addValue("steps", row.stepsJson())
        .addValue("deadline", Sql.ts(row.deadline()))
        .addValue("updatedAt", Sql.ts(row.updatedAt()))
        .addValue("lastSeq", row.lastSeq());
  }

  public Optional<SagaRow> find(UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM saga_instance WHERE id = :id")
        .param("id", id)
        .query(SagaInstanceDao::map)
        .optional();
  }

  /**
   * Locks the given sagas for this transaction, in id order so that two transactions locking
   * overlapping sets cannot deadlock. Missing ids are absent from the result.
   */
  public Map<UUID, SagaRow> lock(Collection<UUID> ids) {
    return toMap(
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + " FROM saga_instance WHERE id = ANY(:ids) ORDER BY id FOR UPDATE")
            .param("ids", ids.toArray(new UUID[0]))
            .query(SagaInstanceDao::map)
            .list());
  }

  /** Like {@link #lock} but skips sagas another transaction holds (timers try again later). */
  public Map<UUID, SagaRow> lockSkipLocked(Collection<UUID> ids) {
    return toMap(
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + " FROM saga_instance WHERE id = ANY(:ids) ORDER BY id FOR UPDATE SKIP LOCKED")
            .param("ids", ids.toArray(new UUID[0]))
            .query(SagaInstanceDao::map)
            .list());
  }

  /** Ids of sagas in a status other than COMPLETED, oldest first. */
  public List<UUID> idsWithStatus(String status, int limit) {
    if ("COMPLETED".equals(status)) {
      throw new IllegalArgumentException("status must not be COMPLETED (not indexed)");
    }
    return jdbc.sql(
            "SELECT id FROM saga_instance WHERE status = :status"
                + SagaQueryDao.NOT_COMPLETED
                + " ORDER BY created_at LIMIT :limit")
        .param("status", status)
        .param("limit", limit)
        .query(UUID.class)
        .list();
  }

  public List<SagaRow> findAll() {
    return jdbc.sql("SELECT " + COLUMNS + " FROM saga_instance ORDER BY created_at, id")
        .query(SagaInstanceDao::map)
        .list();
  }

  public Map<String, Long> countByStatus() {
    Map<String, Long> counts = new LinkedHashMap<>();
    jdbc.sql("SELECT status, count(*) AS n FROM saga_instance GROUP BY status")
        .query((ResultSet rs) -> counts.put(rs.getString("status"), rs.getLong("n")));
    return counts;
  }

  /**
   * Deletes up to {@code limit} sagas in one of the given (finished) statuses that entered it
   * before {@code before} ({@code finished_at}, indexed), with their log, timers and outbox rows.
   * Returns how many went.
   */
  public int purgeFinished(Collection<String> statuses, Instant before, int limit) {
    List<UUID> ids =
        jdbc.sql(
                """
                SELECT id FROM saga_instance
                WHERE finished_at < :before AND status = ANY(:statuses)
                ORDER BY finished_at LIMIT :limit FOR UPDATE SKIP LOCKED
                """)
            .param("statuses", statuses.toArray(new String[0]))
            .param("before", Sql.ts(before))
            .param("limit", limit)
            .query((rs, n) -> Sql.uuid(rs, "id"))
            .list();
    if (ids.isEmpty()) {
      return 0;
    }
    UUID[] array = ids.toArray(new UUID[0]);
    // no foreign keys point at saga_instance: its dependent rows go explicitly
    for (String table : List.of("saga_log", "saga_outbox", "saga_timer")) {
      jdbc.sql("DELETE FROM " + table + " WHERE saga_id = ANY(:ids)").param("ids", array).update();
    }
    return jdbc.sql("DELETE FROM saga_instance WHERE id = ANY(:ids)").param("ids", array).update();
  }

  private static Map<UUID, SagaRow> toMap(List<SagaRow> rows) {
    Map<UUID, SagaRow> map = new LinkedHashMap<>();
    rows.forEach(row -> map.put(row.id(), row));
    return map;
  }

  static SagaRow map(ResultSet rs, int rowNum) throws SQLException {
    return new SagaRow(
        Sql.uuid(rs, "id"),
        rs.getString("saga_type"),
        rs.getInt("definition_version"),
        rs.getString("fingerprint"),
        rs.getString("status"),
        rs.getString("status_reason"),
        rs.getString("previous_status"),
        rs.getString("data"),
        rs.getString("steps"),
        Sql.instant(rs, "deadline"),
        rs.getString("business_key"),
        Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"),
        rs.getInt("last_seq"));
  }

  static List<UUID> ids(Collection<SagaRow> rows) {
    List<UUID> ids = new ArrayList<>();
    rows.forEach(r -> ids.add(r.id()));
    return ids;
  }
}
