package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.Base64;
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
    insertAll(
        List.of(new Entry(reason, sagaId, topic, partition, offset, headers, rawBody, receivedAt)));
  }

  /** A message to quarantine, for {@link #insertAll}. */
  public record Entry(
      String reason,
      UUID sagaId,
      String topic,
      int partition,
      long offset,
      Map<String, String> headers,
      byte[] rawBody,
      Instant receivedAt) {}

  /**
   * Stores several messages with one statement, NULs replaced as by {@link #insert}, in their
   * order. It fails as a whole: a caller that needs each message kept alone inserts them one by
   * one.
   */
  public void insertAll(List<Entry> entries) {
    int n = entries.size();
    String[] reasons = new String[n];
    UUID[] sagaIds = new UUID[n];
    String[] topics = new String[n];
    Integer[] partitions = new Integer[n];
    Long[] offsets = new Long[n];
    String[] headers = new String[n];
    String[] bodies = new String[n];
    String[] received = new String[n];
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      reasons[i] = withoutNul(e.reason());
      sagaIds[i] = e.sagaId();
      topics[i] = e.topic();
      partitions[i] = e.partition();
      offsets[i] = e.offset();
      headers[i] = json.writeValueAsString(withoutNul(e.headers()));
      bodies[i] = e.rawBody() == null ? null : Base64.getEncoder().encodeToString(e.rawBody());
      received[i] = Sql.text(e.receivedAt());
    }
    jdbc.sql(
            """
            INSERT INTO saga_quarantine (reason, saga_id, topic, kafka_partition, kafka_offset,
                headers, raw_body, received_at)
            SELECT r, s, t, p, o, CAST(h AS jsonb), decode(b, 'base64'), CAST(at AS timestamptz)
            FROM unnest(CAST(:reasons AS text[]), CAST(:sagaIds AS uuid[]),
                CAST(:topics AS text[]), CAST(:partitions AS int[]), CAST(:offsets AS bigint[]),
                CAST(:headers AS text[]), CAST(:bodies AS text[]), CAST(:received AS text[]))
                WITH ORDINALITY AS q (r, s, t, p, o, h, b, at, n)
            ORDER BY n
            """)
        .param("reasons", reasons)
        .param("sagaIds", sagaIds)
        .param("topics", topics)
        .param("partitions", partitions)
        .param("offsets", offsets)
        .param("headers", headers)
        .param("bodies", bodies)
        .param("received", received)
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
