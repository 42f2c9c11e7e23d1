package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
      List<UUID> textKeyIds,
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

  /**
   * The statuses of a saga that can have a current step: a COMPLETED or COMPENSATED saga has none.
   */
  private static final List<String> WITH_CURRENT_STEP =
      List.of("RUNNING", "COMPENSATING", "FAILED", "PARKED");

  /**
   * The sagas that match, in the filter's order. A filter that narrows the list to a few sagas
   * (free text, step, participant) selects its candidates through an index first and sorts only
   * those: its cost follows the sagas that match, or the sagas not yet finished for the step and
   * participant filters, never the sagas in the table. Without one, the list walks {@code
   * created_at, id} (or the open-status index) in order and stops at the page's end.
   */
  public List<Summary> list(Filter f) {
    StringBuilder where = new StringBuilder(" WHERE TRUE");
    MapSqlParameterSource p = new MapSqlParameterSource();
    if (f.statuses() != null && !f.statuses().isEmpty()) {
      where.append(" AND status IN (:statuses)");
      p.addValue("statuses", f.statuses());
      if (!f.statuses().contains(COMPLETED)) {
        where.append(NOT_COMPLETED);
      }
    }
    if (f.type() != null) {
      where.append(" AND saga_type = :type");
      p.addValue("type", f.type());
    }
    p.addValue("current", CURRENT_STEP_STATUSES);
    boolean narrowed = false;
    if (f.step() != null || f.participantSteps() != null) {
      // only a saga with a current step matches: the candidates are the sagas in a status that
      // can have one, read from the open-status index
      where.append(" AND status IN (:withCurrentStep)").append(NOT_COMPLETED);
      p.addValue("withCurrentStep", WITH_CURRENT_STEP);
      narrowed = true;
    }
    if (f.step() != null) {
      where.append(
          " AND EXISTS (SELECT 1 FROM jsonb_array_elements(steps) s"
              + " WHERE s->>'step' = :step AND s->>'status' IN (:current))");
      p.addValue("step", f.step());
    }
    if (f.participantSteps() != null) {
      if (f.participantSteps().isEmpty()) {
        where.append(" AND FALSE");
      } else {
        where.append(
            " AND EXISTS (SELECT 1 FROM jsonb_array_elements(steps) s"
                + " WHERE s->>'status' IN (:current)"
                + " AND (saga_type || '/' || (s->>'step')) IN (:participantSteps))");
        p.addValue("participantSteps", f.participantSteps());
      }
    }
    range(where, p, "created_at", "createdFrom", f.createdFrom(), ">=");
    range(where, p, "created_at", "createdTo", f.createdTo(), "<");
    range(where, p, SagaInstanceDao.UPDATED_AT, "updatedFrom", f.updatedFrom(), ">=");
    range(where, p, SagaInstanceDao.UPDATED_AT, "updatedTo", f.updatedTo(), "<");
    if (f.text() != null) {
      where.append(" AND (").append(textCondition(f.text(), f.textKeyIds(), p)).append(')');
      narrowed = true;
    }
    if (f.afterCreatedAt() != null) {
      where.append(
          f.descending()
              ? " AND (created_at, id) < (:afterCreatedAt, :afterId)"
              : " AND (created_at, id) > (:afterCreatedAt, :afterId)");
      p.addValue("afterCreatedAt", Sql.ts(f.afterCreatedAt()));
      p.addValue("afterId", f.afterId());
    }
    String order =
        f.descending() ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at ASC, id ASC";
    String columns =
        "SELECT id, saga_type, definition_version, status, status_reason, business_key,"
            + " steps::text AS steps, created_at,"
            + " COALESCE(updated_at, finished_at) AS updated_at";
    String sql =
        narrowed
            // materialized: the candidates come from their index, never from walking created_at
            // in the hope of meeting enough matches soon
            ? "WITH candidates AS MATERIALIZED ("
                + columns
                + " FROM saga_instance"
                + where
                + ") SELECT * FROM candidates"
                + order
                + " LIMIT :limit"
            : columns + " FROM saga_instance" + where + order + " LIMIT :limit";
    p.addValue("limit", f.limit());
    return named.query(
        sql,
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

  /**
   * The free text as SQL: the saga ids that start with it (a range of the primary key), the
   * business keys that start with it (a range of the pattern index), or the sagas it started as an
   * idempotency key ({@code keyIds}: the ids it gives each saga type). LIKE says what matches; the
   * ranges let the index answer also in a generic plan, where LIKE with a parameter cannot.
   */
  private static String textCondition(String text, List<UUID> keyIds, MapSqlParameterSource p) {
    String escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    StringBuilder sql =
        new StringBuilder(
            "(business_key ~>=~ :textFrom AND business_key LIKE :textPrefix ESCAPE '\\'");
    p.addValue("textFrom", text);
    p.addValue("textPrefix", escaped + "%");
    String next = TextPrefix.next(text);
    if (next != null) {
      sql.append(" AND business_key ~<~ :textTo");
      p.addValue("textTo", next);
    }
    sql.append(')');
    UUID[] ids = TextPrefix.idRange(text);
    if (ids != null) {
      sql.append(" OR id BETWEEN :idFrom AND :idTo");
      p.addValue("idFrom", ids[0]);
      p.addValue("idTo", ids[1]);
    }
    if (keyIds != null && !keyIds.isEmpty()) {
      // the sagas this text started as an idempotency key: their ids, one per saga type
      sql.append(" OR id IN (:textKeyIds)");
      p.addValue("textKeyIds", keyIds);
    }
    return sql.toString();
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

  /**
   * Counts per (status, type); when {@code completedEstimated}, the COMPLETED ones are estimates
   * and every other count is exact.
   */
  public record Counts(List<Count> counts, boolean completedEstimated) {}

  /**
   * The sagas per status and type. Up to {@code exactUpTo} sagas in the table (as PostgreSQL's
   * statistics put it) every count is exact. Above, the counts of every status but COMPLETED are
   * still exact, read from the open-status index alone (it holds no COMPLETED saga and carries the
   * type), and the COMPLETED ones are estimated: the table's rows as the planner reckons them (rows
   * per page from the last VACUUM or ANALYZE times the pages now), times each type's share in the
   * statistics of {@code saga_type}, less that type's exact other counts. So the cost follows the
   * sagas not COMPLETED, not the whole history. Without statistics the counts are exact.
   */
  public Counts countByStatusAndType(long exactUpTo) {
    double rows = estimatedRows();
    Map<String, Double> shares = rows < exactUpTo ? null : typeShares();
    if (shares == null) {
      return new Counts(
          jdbc.sql(
                  """
                  SELECT status, saga_type, count(*) AS n FROM saga_instance
                  GROUP BY status, saga_type ORDER BY status, saga_type
                  """)
              .query(
                  (rs, n) ->
                      new Count(rs.getString("status"), rs.getString("saga_type"), rs.getLong("n")))
              .list(),
          false);
    }
    List<Count> counts = new ArrayList<>();
    Map<String, Long> openByType = new TreeMap<>();
    jdbc.sql(OPEN_COUNTS)
        .query(
            (ResultSet rs) -> {
              Count c =
                  new Count(rs.getString("status"), rs.getString("saga_type"), rs.getLong("n"));
              counts.add(c);
              openByType.merge(c.sagaType(), c.count(), Long::sum);
            });
    Set<String> types = new TreeSet<>(shares.keySet());
    types.addAll(openByType.keySet());
    for (String type : types) {
      long completed =
          Math.round(rows * shares.getOrDefault(type, 0.0)) - openByType.getOrDefault(type, 0L);
      if (completed > 0) {
        counts.add(new Count(COMPLETED, type, roughly(completed)));
      }
    }
    return new Counts(counts, true);
  }

  /** The sagas per status and type of every status but COMPLETED: the open-status index alone. */
  static final String OPEN_COUNTS =
      "SELECT status, saga_type, count(*) AS n FROM saga_instance WHERE TRUE"
          + NOT_COMPLETED
          + " GROUP BY status, saga_type ORDER BY status, saga_type";

  /** Three significant digits: an estimate claims no more. */
  static long roughly(long n) {
    if (n < 1000) {
      return n;
    }
    long unit = (long) Math.pow(10, (long) Math.log10(n) - 2);
    return Math.round((double) n / unit) * unit;
  }

  /**
   * The rows of {@code saga_instance} as the planner reckons them; -1 before the first VACUUM or
   * ANALYZE.
   */
  private double estimatedRows() {
    return jdbc.sql(
            """
            SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN c.reltuples::float8
                        ELSE c.reltuples::float8 / c.relpages
                             * (pg_relation_size(c.oid) / current_setting('block_size')::int)
                   END AS n
            FROM pg_class c WHERE c.oid = to_regclass('saga_instance')
            """)
        .query((rs, n) -> rs.getDouble("n"))
        .optional()
        .orElse(-1.0);
  }

  /**
   * Each saga type's share of the rows by the statistics of {@code saga_type} (every type the
   * sample met: the types are few); null when there are none yet.
   */
  private Map<String, Double> typeShares() {
    return jdbc.sql(
            """
            SELECT s.most_common_vals::text::text[] AS vals, s.most_common_freqs AS freqs
            FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
            JOIN pg_stats s ON s.schemaname = ns.nspname AND s.tablename = c.relname
                AND s.attname = 'saga_type'
            WHERE c.oid = to_regclass('saga_instance')
            """)
        .query(
            (ResultSet rs) -> {
              if (!rs.next()) {
                return null;
              }
              java.sql.Array vals = rs.getArray("vals");
              java.sql.Array freqs = rs.getArray("freqs");
              Map<String, Double> out = new TreeMap<>();
              if (vals == null || freqs == null) {
                return null;
              }
              String[] names = (String[]) vals.getArray();
              Object[] shares = (Object[]) freqs.getArray();
              for (int i = 0; i < names.length && i < shares.length; i++) {
                out.put(names[i], ((Number) shares[i]).doubleValue());
              }
              return out;
            });
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
