package io.sagacoord.server.internal.liveness;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on the liveness columns of {@code saga_participant}. */
@Repository
public class HeartbeatDao {

  /** An instance's heartbeat interval (null: it sends none) and when it was last heard from. */
  public record HeartbeatRow(
      String participant, String instance, Long intervalMs, Instant lastHeartbeatAt) {}

  private final JdbcClient jdbc;

  public HeartbeatDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records that the instance was heard from at {@code at} (never moving the time back) and, when
   * given, its interval. Returns false when the instance has not announced itself yet: its
   * announcement, which comes first, creates the row.
   */
  public boolean record(String participant, String instance, Long intervalMs, Instant at) {
    return jdbc.sql(
                """
                UPDATE saga_participant
                SET last_heartbeat_at = GREATEST(last_heartbeat_at, :at),
                    heartbeat_interval_ms = COALESCE(:intervalMs, heartbeat_interval_ms)
                WHERE participant = :participant AND instance = :instance
                """)
            .param("participant", participant)
            .param("instance", instance)
            .param("intervalMs", intervalMs, java.sql.Types.BIGINT)
            .param("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))
            .update()
        > 0;
  }

  public List<HeartbeatRow> findAll() {
    return jdbc.sql(
            """
            SELECT participant, instance, heartbeat_interval_ms, last_heartbeat_at
            FROM saga_participant ORDER BY participant, instance
            """)
        .query(
            (rs, n) ->
                new HeartbeatRow(
                    rs.getString("participant"),
                    rs.getString("instance"),
                    longOrNull(rs, "heartbeat_interval_ms"),
                    instantOrNull(rs, "last_heartbeat_at")))
        .list();
  }

  private static Long longOrNull(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  private static Instant instantOrNull(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
