package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** All SQL on {@code saga_outbox}. */
@Repository
public class OutboxDao {

  private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};
  private static final String COLUMNS =
      "id, saga_id, topic, message_key, headers::text AS headers, payload, created_at";

  private final JdbcClient jdbc;
  private final NamedParameterJdbcTemplate named;
  private final ObjectMapper json;

  public OutboxDao(JdbcClient jdbc, NamedParameterJdbcTemplate named, ObjectMapper json) {
    this.jdbc = jdbc;
    this.named = named;
    this.json = json;
  }

  /** Inserts the rows (one JDBC batch) and returns them with their ids, in the same order. */
  public List<OutboxRow> insert(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return List.of();
    }
    SqlParameterSource[] batch = new SqlParameterSource[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      OutboxRow row = rows.get(i);
      batch[i] =
          new MapSqlParameterSource()
              .addValue("sagaId", row.sagaId())
              .addValue("topic", row.topic())
              .addValue("messageKey", row.messageKey())
              .addValue("headers", json.writeValueAsString(row.headers()))
              .addValue("payload", row.payload())
              .addValue("createdAt", Sql.ts(row.createdAt()));
    }
    GeneratedKeyHolder keys = new GeneratedKeyHolder();
    named.batchUpdate(
        """
        INSERT INTO saga_outbox (saga_id, topic, message_key, headers, payload, created_at)
        VALUES (:sagaId, :topic, :messageKey, CAST(:headers AS jsonb), :payload, :createdAt)
        """,
        batch,
        keys,
        new String[] {"id"});
    List<Long> ids = new ArrayList<>(rows.size());
    keys.getKeyList().forEach(k -> ids.add(((Number) k.get("id")).longValue()));
    return withIds(rows, ids);
  }

  /**
   * An INSERT of the rows, fed by one array per column (the arrays go into {@code params}), in the
   * given order and returning their ids; for a WITH clause. The ids come from one sequence in the
   * order the rows are inserted, so the ids in ascending order belong to the rows in their order.
   * {@code where} filters the rows ({@code sid} is the saga id), or is empty.
   */
  String insertFromArrays(List<OutboxRow> rows, Map<String, Object> params, String where) {
    int n = rows.size();
    java.util.UUID[] sagaIds = new java.util.UUID[n];
    String[] topics = new String[n];
    String[] keys = new String[n];
    String[] headers = new String[n];
    String[] payloads = new String[n];
    String[] created = new String[n];
    for (int i = 0; i < n; i++) {
      OutboxRow r = rows.get(i);
      sagaIds[i] = r.sagaId();
      topics[i] = r.topic();
      keys[i] = r.messageKey();
      headers[i] = json.writeValueAsString(r.headers());
      payloads[i] = r.payload();
      created[i] = Sql.text(r.createdAt());
    }
    params.put("oSagaIds", sagaIds);
    params.put("oTopics", topics);
    params.put("oKeys", keys);
    params.put("oHeaders", headers);
    params.put("oPayloads", payloads);
    params.put("oCreated", created);
    return """
        INSERT INTO saga_outbox (saga_id, topic, message_key, headers, payload, created_at)
        SELECT sid, tp, mk, CAST(h AS jsonb), p, c
        FROM unnest(CAST(:oSagaIds AS uuid[]), CAST(:oTopics AS varchar[]),
            CAST(:oKeys AS varchar[]), CAST(:oHeaders AS text[]), CAST(:oPayloads AS text[]),
            CAST(:oCreated AS timestamptz[])) WITH ORDINALITY AS r (sid, tp, mk, h, p, c, o)
        """
        + where
        + " ORDER BY o RETURNING id";
  }

  /** The rows with the ids an insert returned for them, in the same order. */
  static List<OutboxRow> withIds(List<OutboxRow> rows, List<Long> ids) {
    if (ids.size() != rows.size()) {
      throw new IllegalStateException(
          "inserted " + rows.size() + " outbox rows but got " + ids.size() + " ids back");
    }
    List<OutboxRow> inserted = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      OutboxRow row = rows.get(i);
      inserted.add(
          new OutboxRow(
              ids.get(i),
              row.sagaId(),
              row.topic(),
              row.messageKey(),
              row.headers(),
              row.payload(),
              row.createdAt()));
    }
    return inserted;
  }

  /**
   * Claims the pending rows of the given sagas that are not backing off; rows another relay holds
   * are skipped.
   */
  public List<OutboxRow> claimForSagas(Collection<java.util.UUID> sagaIds, Instant now) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_outbox WHERE saga_id = ANY(:ids)"
                + " AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
                + " ORDER BY id FOR UPDATE SKIP LOCKED")
        .param("ids", sagaIds.toArray(new java.util.UUID[0]))
        .param("now", Sql.ts(now))
        .query(this::map)
        .list();
  }

  /** Claims the oldest pending rows that are not backing off, whatever their saga. */
  public List<OutboxRow> claimOldest(int limit, Instant now, Instant writtenBefore) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_outbox WHERE (next_attempt_at IS NULL AND created_at < :writtenBefore)"
                + " OR next_attempt_at <= :now"
                + " ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED")
        .param("limit", limit)
        .param("now", Sql.ts(now))
        .param("writtenBefore", Sql.ts(writtenBefore))
        .query(this::map)
        .list();
  }

  /**
   * Records a failed send of these rows: one more attempt, and no new claim before {@code base *
   * 2^(attempts-1)} (at most {@code max}) has passed.
   */
  public void backOff(Collection<Long> ids, Instant now, Duration base, Duration max) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            UPDATE saga_outbox SET attempts = attempts + 1,
                next_attempt_at = CAST(:now AS timestamptz) + LEAST(:maxMs,
                    :baseMs * power(2, LEAST(attempts, 30))) * interval '1 millisecond'
            WHERE id = ANY(:ids)
            """)
        .param("ids", ids.toArray(new Long[0]))
        .param("now", Sql.ts(now))
        .param("baseMs", (double) base.toMillis())
        .param("maxMs", (double) max.toMillis())
        .update();
  }

  /** Attempts recorded for a row (test and diagnostics); empty if the row is gone. */
  public java.util.Optional<Integer> attempts(long id) {
    return jdbc.sql("SELECT attempts FROM saga_outbox WHERE id = :id")
        .param("id", id)
        .query(Integer.class)
        .optional();
  }

  /**
   * Deletes rows the broker acknowledged, in the current transaction, without waiting for that
   * transaction's commit to reach the disk ({@code synchronous_commit = off} for it alone): a
   * delete lost in a crash only means the row is sent once more, which participants tolerate. The
   * setting and the delete travel in one round trip.
   */
  public void deleteSent(Collection<Long> ids) {
    delete("SET LOCAL synchronous_commit = off;", ids);
  }

  public void delete(Collection<Long> ids) {
    delete("", ids);
  }

  private void delete(String prefix, Collection<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql(prefix + "DELETE FROM saga_outbox WHERE id = ANY(:ids)")
        .param("ids", ids.toArray(new Long[0]))
        .update();
  }

  public long count() {
    return jdbc.sql("SELECT count(*) FROM saga_outbox").query(Long.class).single();
  }

  private OutboxRow map(ResultSet rs, int rowNum) throws SQLException {
    return new OutboxRow(
        rs.getLong("id"),
        Sql.uuid(rs, "saga_id"),
        rs.getString("topic"),
        rs.getString("message_key"),
        json.readValue(rs.getString("headers"), HEADERS),
        rs.getString("payload"),
        Sql.instant(rs, "created_at"));
  }
}
