package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Read-only queries of the operator API on {@code saga_instance}: the filtered list with keyset
 * pagination on (created_at, id), and statistics. Filters are fixed SQL fragments with named
 * parameters; no value is ever concatenated into the SQL.
 */
@Repository
public class SagaQueryDao {

  /**
   * Step statuses that make a step "current": in flight, waiting to retry, or stuck. The queries
   * here read a step's {@code step} and {@code status} keys from the stored JSON, which leaves out
   * a step's name and codes its status except in these statuses ({@code StateMapper}).
   */
  public static final List<String> CURRENT_STEP_STATUSES =
      List.of(
          "IN_PROGRESS",
          "RETRY_WAIT",
          "PARTICIPANT_WAIT",
          "COMPENSATING",
          "COMPENSATION_RETRY_WAIT",
          "COMPENSATION_PARTICIPANT_WAIT",
          "COMPENSATION_FAILED");

  private static final String COMPLETED = "COMPLETED";

  /**
   * Implies the predicate of {@code saga_instance_status_open_idx}, which holds no COMPLETED saga:
   * the planner uses that index only for a query that says so in its own text, also in a generic
   * plan where the statuses are bind parameters.
   */
  static final String NOT_COMPLETED = " AND status <> 'COMPLETED'";

  /**
   * A list query. Null fields do not filter.
   *
   * @param participantSteps {@code type/step} pairs of the participant filter (empty list: the
   *     participant has no step, nothing matches)
   * @param afterCreatedAt keyset position (with {@code afterId}), null for the first page
   * @param descending newest first
   */
  public record Filter(
      Set<String> statuses,
      String type,
      String step,
      List<String> participantSteps,
      Instant createdFrom,
      Instant createdTo,
      Instant updatedFrom,
      Instant updatedTo,
      String text,
      Instant afterCreatedAt,
      UUID afterId,
      boolean descending,
      int limit) {}

  /** A saga in a list: summary columns plus its steps (for the current step). */
  public record Summary(
      UUID id,
      String sagaType,
      int definitionVersion,
      String status,
      String statusReason,
      String businessKey,
      String stepsJson,
      Instant createdAt,
      Instant updatedAt) {}

  /** A non-terminal saga whose latest change is older than a bound (for the stuck check). */
  public record Quiet(
      UUID id,
      String sagaType,
      int definitionVersion,
      String status,
      String stepsJson,
      Instant updatedAt) {}

  private final NamedParameterJdbcTemplate named;
  private final JdbcClient jdbc;

  public SagaQueryDao(NamedParameterJdbcTemplate named, JdbcClient jdbc) {
    this.named = named;
    this.jdbc = jdbc;
  }

  public List<Summary> list(Filter f) {
    StringBuilder sql =
        new StringBuilder(
            """
            SELECT id, saga_type, definition_version, status, status_reason, business_key,
                steps::text AS steps, created_at, COALESCE(updated_at, finished_at) AS updated_at
            FROM saga_instance WHERE TRUE
            """);
    MapSqlParameterSource p = new MapSqlParameterSource();
    if (f.statuses() != null && !f.statuses().isEmpty()) {
      sql.append(" AND status IN (:statuses)");
      p.addValue("statuses", f.statuses());
      if (!f.statuses().contains(COMPLETED)) {
        sql.append(NOT_COMPLETED);
      }
    }
    if (f.type() != null) {
      sql.append(" AND saga_type = :type");
      p.addValue("type", f.type());
    }
    p.addValue("current", CURRENT_STEP_STATUSES);
    if (f.step() != null || f.participantSteps() != null) {
      // only a saga with a current step matches, and a COMPLETED or COMPENSATED one has none: the
      // list then reads the open-status index instead of every saga's steps
      sql.append(NOT_COMPLETED).append(" AND status <> 'COMPENSATED'");
    }
    if (f.step() != null) {
      sql.append(
          " AND EXISTS (SELECT 1 FROM jsonb_array_elements(steps) s"
              + " WHERE s->>'step' = :step AND s->>'status' IN (:current))");
      p.addValue("step", f.step());
    }
    if (f.participantSteps() != null) {
      if (f.participantSteps().isEmpty()) {
        sql.append(" AND FALSE");
      } else {
        sql.append(
            " AND EXISTS (SELECT 1 FROM jsonb_array_elements(steps) s"
                + " WHERE s->>'status' IN (:current)"
                + " AND (saga_type || '/' || (s->>'step')) IN (:participantSteps))");
        p.addValue("participantSteps", f.participantSteps());
      }
    }
    range(sql, p, "created_at", "createdFrom", f.createdFrom(), ">=");
    range(sql, p, "created_at", "createdTo", f.createdTo(), "<");
    range(sql, p, SagaInstanceDao.UPDATED_AT, "updatedFrom", f.updatedFrom(), ">=");
    range(sql, p, SagaInstanceDao.UPDATED_AT, "updatedTo", f.updatedTo(), "<");
    if (f.text() != null) {
      sql.append(
          " AND (CAST(id AS text) LIKE :textPrefix ESCAPE '\\'"
              + " OR business_key ILIKE :textAnywhere ESCAPE '\\')");
      String escaped = f.text().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
      p.addValue("textPrefix", escaped.toLowerCase(java.util.Locale.ROOT) + "%");
      p.addValue("textAnywhere", "%" + escaped + "%");
    }
    if (f.afterCreatedAt() != null) {
      sql.append(
          f.descending()
              ? " AND (created_at, id) < (:afterCreatedAt, :afterId)"
              : " AND (created_at, id) > (:afterCreatedAt, :afterId)");
      p.addValue("afterCreatedAt", Sql.ts(f.afterCreatedAt()));
      p.addValue("afterId", f.afterId());
    }
    sql.append(
        f.descending() ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at ASC, id ASC");
    sql.append(" LIMIT :limit");
    p.addValue("limit", f.limit());
    return named.query(
        sql.toString(),
        p,
        (rs, n) ->
            new Summary(
                Sql.uuid(rs, "id"),
                rs.getString("saga_type"),
                rs.getInt("definition_version"),
                rs.getString("status"),
                rs.getString("status_reason"),
                rs.getString("business_key"),
                rs.getString("steps"),
                Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at")));
  }

  private static void range(
      StringBuilder sql,
      MapSqlParameterSource p,
      String column,
      String param,
      Instant value,
      String op) {
    if (value != null) {
      sql.append(" AND ").append(column).append(' ').append(op).append(" :").append(param);
      p.addValue(param, Sql.ts(value));
    }
  }

  /** Count per (status, type). */
  public record Count(String status, String sagaType, long count) {}

  public List<Count> countByStatusAndType() {
    return jdbc.sql(
            """
            SELECT status, saga_type, count(*) AS n FROM saga_instance
            GROUP BY status, saga_type ORDER BY status, saga_type
            """)
        .query(
            (rs, n) ->
                new Count(rs.getString("status"), rs.getString("saga_type"), rs.getLong("n")))
        .list();
  }

  /** Sagas per status, for the given statuses (none of them COMPLETED); absent when none. */
  public java.util.Map<String, Long> countByStatus(List<String> statuses) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    jdbc.sql(
            "SELECT status, count(*) AS n FROM saga_instance WHERE status IN (:statuses)"
                + NOT_COMPLETED
                + " GROUP BY status")
        .param("statuses", statuses)
        .query((java.sql.ResultSet rs) -> out.put(rs.getString("status"), rs.getLong("n")));
    return out;
  }

  /** When the least recently changed RUNNING or COMPENSATING saga last changed. */
  public java.util.Optional<Instant> leastRecentlyChangedActive() {
    return java.util.Optional.ofNullable(
        jdbc.sql(
                """
                SELECT min(updated_at) AS t FROM saga_instance
                WHERE status IN ('RUNNING', 'COMPENSATING')
                """)
            .query((rs, n) -> Sql.instant(rs, "t"))
            .single());
  }

  /** The oldest RUNNING or COMPENSATING saga. */
  public java.util.Optional<Summary> oldestActive() {
    return jdbc.sql(
            """
            SELECT id, saga_type, definition_version, status, status_reason, business_key,
                steps::text AS steps, created_at, COALESCE(updated_at, finished_at) AS updated_at
            FROM saga_instance WHERE status IN ('RUNNING', 'COMPENSATING')
            ORDER BY created_at, id LIMIT 1
            """)
        .query(
            (rs, n) ->
                new Summary(
                    Sql.uuid(rs, "id"),
                    rs.getString("saga_type"),
                    rs.getInt("definition_version"),
                    rs.getString("status"),
                    rs.getString("status_reason"),
                    rs.getString("business_key"),
                    rs.getString("steps"),
                    Sql.instant(rs, "created_at"),
                    Sql.instant(rs, "updated_at")))
        .optional();
  }

  /**
   * RUNNING or COMPENSATING sagas unchanged since before {@code before}, least recent first. A saga
   * that is not terminal always has its {@code updated_at} (see {@link
   * SagaInstanceDao#UPDATED_AT}).
   */
  public List<Quiet> quietSince(Instant before, int limit) {
    List<Quiet> out = new ArrayList<>();
    jdbc.sql(
            """
            SELECT id, saga_type, definition_version, status, steps::text AS steps, updated_at
            FROM saga_instance
            WHERE status IN ('RUNNING', 'COMPENSATING') AND updated_at < :before
            ORDER BY updated_at LIMIT :limit
            """)
        .param("before", Sql.ts(before))
        .param("limit", limit)
        .query(
            (java.sql.ResultSet rs) -> {
              out.add(
                  new Quiet(
                      Sql.uuid(rs, "id"),
                      rs.getString("saga_type"),
                      rs.getInt("definition_version"),
                      rs.getString("status"),
                      rs.getString("steps"),
                      Sql.instant(rs, "updated_at")));
            });
    return out;
  }

  /** Sagas started ({@code ends = false}) or ended per minute from {@code from}. */
  public record PerMinute(boolean ends, Instant minute, long count) {}

  /**
   * Starts (by {@code created_at}) and ends (by {@code finished_at}: completed, compensated or
   * failed) in {@code [from, to)}, counted per minute counted from {@code from}; minutes without
   * any are absent.
   */
  public List<PerMinute> startsAndEndsPerMinute(Instant from, Instant to) {
    return jdbc.sql(
            """
            SELECT FALSE AS ends, date_bin(INTERVAL '1 minute', created_at, :from) AS minute,
                count(*) AS n
            FROM saga_instance WHERE created_at >= :from AND created_at < :to GROUP BY 2
            UNION ALL
            SELECT TRUE, date_bin(INTERVAL '1 minute', finished_at, :from), count(*)
            FROM saga_instance WHERE finished_at >= :from AND finished_at < :to GROUP BY 2
            """)
        .param("from", Sql.ts(from))
        .param("to", Sql.ts(to))
        .query(
            (rs, n) ->
                new PerMinute(rs.getBoolean("ends"), Sql.instant(rs, "minute"), rs.getLong("n")))
        .list();
  }
}
