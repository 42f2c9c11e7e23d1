package io.sagacoord.server.internal.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * All SQL on {@code saga_log}: one row per transition, its later log entries folded into {@code
 * then_entries}. Rows are only ever inserted (in batches on the hot path); the retention purge
 * deletes them with their saga. {@link #findEntriesBySaga} reads them unfolded, one entry each.
 */
@Repository
public class SagaLogDao {

  private static final String INSERT =
      """
      INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id, detail,
          then_entries, event, occurred_at, handled_by, kafka_topic, kafka_partition, kafka_offset)
      VALUES (:sagaId, :seq, :type, :step, :phase, :attempt, :commandId, CAST(:detail AS jsonb),
          CAST(:then AS jsonb), CAST(:event AS jsonb), :occurredAt, :handledBy, :kafkaTopic,
          :kafkaPartition, :kafkaOffset)
      """;

  private final JdbcClient jdbc;
  private final NamedParameterJdbcTemplate named;

  public SagaLogDao(JdbcClient jdbc, NamedParameterJdbcTemplate named) {
    this.jdbc = jdbc;
    this.named = named;
  }

  public void insert(List<LogRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    SqlParameterSource[] batch = new SqlParameterSource[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      LogRow row = rows.get(i);
      batch[i] =
          new MapSqlParameterSource()
              .addValue("sagaId", row.sagaId())
              .addValue("seq", row.seq())
              .addValue("type", row.type())
              .addValue("step", row.step())
              .addValue("phase", row.phase())
              .addValue("attempt", row.attempt())
              .addValue("commandId", row.commandId())
              .addValue("detail", row.detailJson())
              .addValue("then", row.thenJson())
              .addValue("event", row.eventJson())
              .addValue("occurredAt", Sql.ts(row.occurredAt()))
              .addValue("handledBy", row.handledBy())
              .addValue("kafkaTopic", row.kafkaTopic())
              .addValue("kafkaPartition", row.kafkaPartition())
              .addValue("kafkaOffset", row.kafkaOffset());
    }
    named.batchUpdate(INSERT, batch);
  }

  /**
   * An INSERT of the rows, fed by one array per column (the arrays go into {@code params}), in the
   * given order; for a WITH clause. {@code where} filters the rows ({@code sid} is the saga id), or
   * is empty.
   */
  static String insertFromArrays(List<LogRow> rows, Map<String, Object> params, String where) {
    int n = rows.size();
    UUID[] sagaIds = new UUID[n];
    Integer[] seqs = new Integer[n];
    String[] types = new String[n];
    String[] steps = new String[n];
    String[] phases = new String[n];
    Integer[] attempts = new Integer[n];
    UUID[] commandIds = new UUID[n];
    String[] details = new String[n];
    String[] then = new String[n];
    String[] events = new String[n];
    String[] occurred = new String[n];
    String[] handledBy = new String[n];
    String[] topics = new String[n];
    Integer[] partitions = new Integer[n];
    Long[] offsets = new Long[n];
    for (int i = 0; i < n; i++) {
      LogRow r = rows.get(i);
      sagaIds[i] = r.sagaId();
      seqs[i] = r.seq();
      types[i] = r.type();
      steps[i] = r.step();
      phases[i] = r.phase();
      attempts[i] = r.attempt();
      commandIds[i] = r.commandId();
      details[i] = r.detailJson();
      then[i] = r.thenJson();
      events[i] = r.eventJson();
      occurred[i] = Sql.text(r.occurredAt());
      handledBy[i] = r.handledBy();
      topics[i] = r.kafkaTopic();
      partitions[i] = r.kafkaPartition();
      offsets[i] = r.kafkaOffset();
    }
    params.put("lSagaIds", sagaIds);
    params.put("lSeqs", seqs);
    params.put("lTypes", types);
    params.put("lSteps", steps);
    params.put("lPhases", phases);
    params.put("lAttempts", attempts);
    params.put("lCommandIds", commandIds);
    params.put("lDetails", details);
    params.put("lThen", then);
    params.put("lEvents", events);
    params.put("lOccurred", occurred);
    params.put("lHandledBy", handledBy);
    params.put("lTopics", topics);
    params.put("lPartitions", partitions);
    params.put("lOffsets", offsets);
    return """
        INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id, detail,
            then_entries, event, occurred_at, handled_by, kafka_topic, kafka_partition,
            kafka_offset)
        SELECT sid, sq, t, st, ph, a, cid, CAST(d AS jsonb), CAST(th AS jsonb), CAST(e AS jsonb),
            oc, hb, kt, kp, ko
        FROM unnest(CAST(:lSagaIds AS uuid[]), CAST(:lSeqs AS integer[]),
            CAST(:lTypes AS varchar[]), CAST(:lSteps AS varchar[]), CAST(:lPhases AS varchar[]),
            CAST(:lAttempts AS integer[]), CAST(:lCommandIds AS uuid[]),
            CAST(:lDetails AS text[]), CAST(:lThen AS text[]), CAST(:lEvents AS text[]),
            CAST(:lOccurred AS timestamptz[]), CAST(:lHandledBy AS varchar[]),
            CAST(:lTopics AS varchar[]), CAST(:lPartitions AS integer[]),
            CAST(:lOffsets AS bigint[])) WITH ORDINALITY
            AS r (sid, sq, t, st, ph, a, cid, d, th, e, oc, hb, kt, kp, ko, o)
        """
        + where
        + " ORDER BY o";
  }

  private static final String ROWS =
      """
      SELECT saga_id, seq, type, step, phase, attempt, command_id, detail::text AS detail,
          then_entries::text AS then_entries, event::text AS event, occurred_at, handled_by,
          kafka_topic, kafka_partition, kafka_offset
      FROM saga_log
      """;

  /** The saga's rows (one per transition), in order. */
  public List<LogRow> findBySaga(UUID sagaId) {
    return jdbc.sql(ROWS + " WHERE saga_id = :sagaId ORDER BY seq")
        .param("sagaId", sagaId)
        .query(SagaLogDao::map)
        .list();
  }

  /** The saga's first row (its start), if the saga has a log. */
  public Optional<LogRow> findFirst(UUID sagaId) {
    return jdbc.sql(ROWS + " WHERE saga_id = :sagaId ORDER BY seq LIMIT 1")
        .param("sagaId", sagaId)
        .query(SagaLogDao::map)
        .optional();
  }

  /** The saga's log entries, one per engine {@code LogEntry}, in the order the engine made them. */
  public List<LogEntryRow> findEntriesBySaga(UUID sagaId) {
    return jdbc.sql(
            """
            SELECT saga_id, seq, entry, type, step, phase, attempt, command_id,
                detail::text AS detail, event::text AS event, occurred_at, handled_by,
                kafka_topic, kafka_partition, kafka_offset
            FROM saga_log_entry WHERE saga_id = :sagaId ORDER BY seq, entry
            """)
        .param("sagaId", sagaId)
        .query(
            (rs, n) ->
                new LogEntryRow(
                    Sql.uuid(rs, "saga_id"),
                    rs.getInt("seq"),
                    rs.getInt("entry"),
                    rs.getString("type"),
                    rs.getString("step"),
                    rs.getString("phase"),
                    Sql.integer(rs, "attempt"),
                    Sql.uuid(rs, "command_id"),
                    rs.getString("detail"),
                    rs.getString("event"),
                    Sql.instant(rs, "occurred_at"),
                    rs.getString("handled_by"),
                    rs.getString("kafka_topic"),
                    Sql.integer(rs, "kafka_partition"),
                    kafkaOffset(rs)))
        .list();
  }

  private static Long kafkaOffset(ResultSet rs) throws SQLException {
    long offset = rs.getLong("kafka_offset");
    return rs.wasNull() ? null : offset;
  }

  static LogRow map(ResultSet rs, int rowNum) throws SQLException {
    return new LogRow(
        Sql.uuid(rs, "saga_id"),
        rs.getInt("seq"),
        rs.getString("type"),
        rs.getString("step"),
        rs.getString("phase"),
        Sql.integer(rs, "attempt"),
        Sql.uuid(rs, "command_id"),
        rs.getString("detail"),
        rs.getString("then_entries"),
        rs.getString("event"),
        Sql.instant(rs, "occurred_at"),
        rs.getString("handled_by"),
        rs.getString("kafka_topic"),
        Sql.integer(rs, "kafka_partition"),
        kafkaOffset(rs));
  }
}
