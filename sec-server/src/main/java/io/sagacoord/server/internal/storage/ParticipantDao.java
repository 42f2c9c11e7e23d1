package io.sagacoord.server.internal.storage;

import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on {@code saga_participant}: the newest announcement per participant instance. */
@Repository
public class ParticipantDao {

  /** One participant instance as last announced. Types are JSON arrays. */
  public record ParticipantRow(
      String participant,
      String instance,
      String version,
      String commandTypesJson,
      String compensationTypesJson,
      Instant announcedAt,
      Instant receivedAt) {}

  private final JdbcClient jdbc;

  public ParticipantDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Keeps the newer announcement: an older one read late (another partition) changes nothing. */
  public void upsert(ParticipantRow row) {
    jdbc.sql(
            """
            INSERT INTO saga_participant (participant, instance, version, command_types,
                compensation_types, announced_at, received_at)
            VALUES (:participant, :instance, :version, CAST(:commandTypes AS jsonb),
                CAST(:compensationTypes AS jsonb), :announcedAt, :receivedAt)
            ON CONFLICT (participant, instance) DO UPDATE SET
                version = excluded.version, command_types = excluded.command_types,
                compensation_types = excluded.compensation_types,
                announced_at = excluded.announced_at, received_at = excluded.received_at
            WHERE excluded.announced_at >= saga_participant.announced_at
            """)
        .param("participant", row.participant())
        .param("instance", row.instance())
        .param("version", row.version())
        .param("commandTypes", row.commandTypesJson())
        .param("compensationTypes", row.compensationTypesJson())
        .param("announcedAt", Sql.ts(row.announcedAt()))
        .param("receivedAt", Sql.ts(row.receivedAt()))
        .update();
  }

  public List<ParticipantRow> findAll() {
    return jdbc.sql(
            """
            SELECT participant, instance, version, command_types::text AS command_types,
                compensation_types::text AS compensation_types, announced_at, received_at
            FROM saga_participant ORDER BY participant, instance
            """)
        .query(
            (rs, n) ->
                new ParticipantRow(
                    rs.getString("participant"),
                    rs.getString("instance"),
                    rs.getString("version"),
                    rs.getString("command_types"),
                    rs.getString("compensation_types"),
                    Sql.instant(rs, "announced_at"),
                    Sql.instant(rs, "received_at")))
        .list();
  }
}
