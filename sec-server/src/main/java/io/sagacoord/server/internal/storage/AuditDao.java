package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on {@code saga_operator_audit}: insert and read, never update (a trigger refuses it). */
@Repository
public class AuditDao {

  /** One operator action as recorded. */
  public record AuditRow(
      long id,
      UUID sagaId,
      Long quarantineId,
      String action,
      String actor,
      String reason,
      String outcome,
      String detail,
      Instant occurredAt) {}

  private final JdbcClient jdbc;

  public AuditDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public void insert(
      UUID sagaId,
      Long quarantineId,
      String action,
      String actor,
      String reason,
      String outcome,
      String detail,
      Instant at) {
    jdbc.sql(
            """
            INSERT INTO saga_operator_audit (saga_id, quarantine_id, action, actor, reason,
                outcome, detail, occurred_at)
            VALUES (:sagaId, :quarantineId, :action, :actor, :reason, :outcome, :detail, :at)
            """)
        .param("sagaId", sagaId)
        .param("quarantineId", quarantineId)
        .param("action", action)
        .param("actor", actor)
        .param("reason", reason)
        .param("outcome", outcome)
        .param("detail", detail)
        .param("at", Sql.ts(at))
        .update();
  }

  public List<AuditRow> findBySaga(UUID sagaId) {
    return jdbc.sql(
            """
            SELECT id, saga_id, quarantine_id, action, actor, reason, outcome, detail, occurred_at
            FROM saga_operator_audit WHERE saga_id = :sagaId ORDER BY id
            """)
        .param("sagaId", sagaId)
        .query(
            (rs, n) -> {
              long q = rs.getLong("quarantine_id");
              Long quarantineId = rs.wasNull() ? null : q;
              return new AuditRow(
                  rs.getLong("id"),
                  Sql.uuid(rs, "saga_id"),
                  quarantineId,
                  rs.getString("action"),
                  rs.getString("actor"),
                  rs.getString("reason"),
                  rs.getString("outcome"),
                  rs.getString("detail"),
                  Sql.instant(rs, "occurred_at"));
            })
        .list();
  }
}
