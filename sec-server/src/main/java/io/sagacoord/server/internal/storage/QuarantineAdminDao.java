package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** What the operator API reads and marks on {@code saga_quarantine}. */
@Repository
public class QuarantineAdminDao {

  /** A quarantined message with its redelivery mark. */
  public record Entry(
      long id,
      String reason,
      UUID sagaId,
      String topic,
      int partition,
      long offset,
      String headersJson,
      byte[] rawBody,
      Instant receivedAt,
      Instant redeliveredAt,
      String redeliveredBy) {}

  private static final String COLUMNS =
      """
      id, reason, saga_id, topic, kafka_partition, kafka_offset, headers::text AS headers,
      raw_body, received_at, redelivered_at, redelivered_by
      """;

  private final JdbcClient jdbc;

  public QuarantineAdminDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A page by id (ascending), after {@code afterId}; optionally only not yet redelivered. */
  public List<Entry> page(long afterId, int limit, boolean pendingOnly) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_quarantine WHERE id > :afterId"
                + " AND (NOT :pendingOnly OR redelivered_at IS NULL) ORDER BY id LIMIT :limit")
        .param("afterId", afterId)
        .param("pendingOnly", pendingOnly)
        .param("limit", limit)
        .query(QuarantineAdminDao::map)
        .list();
  }

  public Optional<Entry> find(long id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM saga_quarantine WHERE id = :id")
        .param("id", id)
        .query(QuarantineAdminDao::map)
        .optional();
  }

  /** Marks an entry redelivered; false if it already was (or another operator was first). */
  public boolean markRedelivered(long id, String actor, Instant at) {
    return jdbc.sql(
                """
                UPDATE saga_quarantine SET redelivered_at = :at, redelivered_by = :actor
                WHERE id = :id AND redelivered_at IS NULL
                """)
            .param("id", id)
            .param("actor", actor)
            .param("at", Sql.ts(at))
            .update()
        == 1;
  }

  /** The newest entry for the same Kafka position created after {@code afterId}, if any. */
  public Optional<Entry> requarantined(long afterId, String topic, int partition, long offset) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM saga_quarantine WHERE id > :afterId AND topic = :topic"
                + " AND kafka_partition = :partition AND kafka_offset = :offset"
                + " ORDER BY id DESC LIMIT 1")
        .param("afterId", afterId)
        .param("topic", topic)
        .param("partition", partition)
        .param("offset", offset)
        .query(QuarantineAdminDao::map)
        .optional();
  }

  private static Entry map(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
    return new Entry(
        rs.getLong("id"),
        rs.getString("reason"),
        Sql.uuid(rs, "saga_id"),
        rs.getString("topic"),
        rs.getInt("kafka_partition"),
        rs.getLong("kafka_offset"),
        rs.getString("headers"),
        rs.getBytes("raw_body"),
        Sql.instant(rs, "received_at"),
        Sql.instant(rs, "redelivered_at"),
        rs.getString("redelivered_by"));
  }
}
