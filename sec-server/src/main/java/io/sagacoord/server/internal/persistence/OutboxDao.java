package io.sagacoord.server.internal.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
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

  public void insert(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return;
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
    named.batchUpdate(
        """
        INSERT INTO saga_outbox (saga_id, topic, message_key, headers, payload, created_at)
        VALUES (:sagaId, :topic, :messageKey, CAST(:headers AS jsonb), :payload, :createdAt)
        """,
        batch);
  }

  /** Claims the pending rows of the given sagas; rows another relay holds are skipped. */
  public List<OutboxRow> claimForSagas(Collection<java.util.UUID> sagaIds) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_outbox WHERE saga_id = ANY(:ids) ORDER BY id FOR UPDATE SKIP LOCKED")
        .param("ids", sagaIds.toArray(new java.util.UUID[0]))
        .query(this::map)
        .list();
  }

  /** Claims the oldest pending rows, whatever their saga. */
  public List<OutboxRow> claimOldest(int limit) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_outbox ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED")
        .param("limit", limit)
        .query(this::map)
        .list();
  }

  public void delete(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql("DELETE FROM saga_outbox WHERE id = ANY(:ids)")
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
