package io.sagacoord.server.internal.circuit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * All SQL on {@code saga_participant_circuit} (the circuits shared by the coordinators), and the
 * search for sagas waiting for a participant.
 */
@Repository
public class CircuitDao {

  /** A shared circuit: {@code OPEN} until {@code openUntil}, or {@code CLOSED}. */
  public record SharedCircuit(
      String participant,
      String state,
      Instant openUntil,
      Instant changedAt,
      String changedBy,
      long version) {}

  /** A saga with at least one step waiting for a participant. */
  public record WaitingSaga(UUID id, String sagaType, int definitionVersion, String stepsJson) {}

  private final JdbcClient jdbc;

  public CircuitDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Records a change of one coordinator's circuit for the others to follow. */
  public void write(
      String participant, String state, Instant openUntil, Instant changedAt, String changedBy) {
    jdbc.sql(
            """
            INSERT INTO saga_participant_circuit (participant, state, open_until, changed_at,
                changed_by, version)
            VALUES (:participant, :state, :openUntil, :changedAt, :changedBy, 1)
            ON CONFLICT (participant) DO UPDATE SET
                state = excluded.state, open_until = excluded.open_until,
                changed_at = excluded.changed_at, changed_by = excluded.changed_by,
                version = saga_participant_circuit.version + 1
            """)
        .param("participant", participant)
        .param("state", state)
        .param("openUntil", openUntil == null ? null : ts(openUntil))
        .param("changedAt", ts(changedAt))
        .param("changedBy", changedBy)
        .update();
  }

  public List<SharedCircuit> findAll() {
    return jdbc.sql(
            """
            SELECT participant, state, open_until, changed_at, changed_by, version
            FROM saga_participant_circuit ORDER BY participant
            """)
        .query(
            (rs, n) ->
                new SharedCircuit(
                    rs.getString("participant"),
                    rs.getString("state"),
                    instant(rs, "open_until"),
                    instant(rs, "changed_at"),
                    rs.getString("changed_by"),
                    rs.getLong("version")))
        .list();
  }

  /**
   * Running or compensating sagas with a step waiting for a participant, those waiting longest
   * first. The stored steps name a step in such a status in full (see {@code StateMapper}).
   */
  public List<WaitingSaga> waiting(int limit) {
    return jdbc.sql(
            """
            SELECT id, saga_type, definition_version, steps::text AS steps
            FROM saga_instance
            WHERE status IN ('RUNNING', 'COMPENSATING') AND status <> 'COMPLETED'
              AND (steps @> '[{"status": "PARTICIPANT_WAIT"}]'
                   OR steps @> '[{"status": "COMPENSATION_PARTICIPANT_WAIT"}]')
            ORDER BY updated_at, id
            LIMIT :limit
            """)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new WaitingSaga(
                    rs.getObject("id", UUID.class),
                    rs.getString("saga_type"),
                    rs.getInt("definition_version"),
                    rs.getString("steps")))
        .list();
  }

  private static OffsetDateTime ts(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
