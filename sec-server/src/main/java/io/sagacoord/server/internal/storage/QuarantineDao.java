package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.ObjectMapper;

/** All SQL on {@code saga_quarantine}. */
@Repository
public class QuarantineDao {

  /** A quarantined message as stored. */
  public record Quarantined(
      long id,
      String reason,
      UUID sagaId,
      String topic,
      int partition,
      long offset,
      String headersJson,
      byte[] rawBody,
      Instant receivedAt) {}

  private final JdbcClient jdbc;
  private final ObjectMapper json;

  public QuarantineDao(JdbcClient jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /**
   * Stores a message. Postgres rejects the NUL character in text and jsonb, so NULs in the reason
   * and the headers are replaced by U+FFFD; the raw body is stored as bytes, unchanged.
   */
  public void insert(
      String reason,
      UUID sagaId,
      String topic,
      int partition,
      long offset,
      Map<String, String> headers,
      byte[] rawBody,
      Instant receivedAt) {
    jdbc.sql(
            """
            INSERT INTO saga_quarantine (reason, saga_id, topic, kafka_partition, kafka_offset,
                headers, raw_body, received_at)
            VALUES (:reason, :sagaId, :topic, :partition, :offset, CAST(:headers AS jsonb),
                :rawBody, :receivedAt)
            """)
        .param("reason", withoutNul(reason))
        .param("sagaId", sagaId)
        .param("topic", topic)
        .param("partition", partition)
        .param("offset", offset)
        .param("headers", json.writeValueAsString(withoutNul(headers)))
        .param("rawBody", rawBody)
        .param("receivedAt", Sql.ts(receivedAt))
        .update();
  }

  static String withoutNul(String text) {
    return text == null || text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
  }

  private static Map<String, String> withoutNul(Map<String, String> headers) {
    Map<String, String> clean = new java.util.LinkedHashMap<>();
    headers.forEach((k, v) -> clean.put(withoutNul(k), withoutNul(v)));
    return clean;
  }

  public List<Quarantined> findAll() {
    return jdbc.sql(
            """
            SELECT id, reason, saga_id, topic, kafka_partition, kafka_offset,
                headers::text AS headers, raw_body, received_at
            FROM saga_quarantine ORDER BY id
            """)
        .query(
            (rs, n) ->
                new Quarantined(
                    rs.getLong("id"),
                    rs.getString("reason"),
                    Sql.uuid(rs, "saga_id"),
                    rs.getString("topic"),
                    rs.getInt("kafka_partition"),
                    rs.getLong("kafka_offset"),
                    rs.getString("headers"),
                    rs.getBytes("raw_body"),
                    Sql.instant(rs, "received_at")))
        .list();
  }
}
