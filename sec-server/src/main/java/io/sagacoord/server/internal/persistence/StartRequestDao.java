package io.sagacoord.server.internal.persistence;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * All SQL on {@code saga_start_request}, the idempotency keys of saga starts. The request hash is
 * hex text in Java and 32 bytes in the table (V70): {@code decode} / {@code encode} in the SQL.
 */
@Repository
public class StartRequestDao {

  /** A recorded start: which saga the key started and the hash of the request it came with. */
  public record StartRequest(UUID sagaId, String requestHash) {}

  private final JdbcClient jdbc;

  public StartRequestDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records the key unless it exists. A concurrent transaction inserting the same key makes this
   * one wait for it (unique index), so exactly one of them starts the saga.
   *
   * @return true if this call recorded it
   */
  public boolean insertIfAbsent(
      String sagaType, String key, String requestHash, UUID sagaId, Instant now) {
    return jdbc.sql(
                """
                INSERT INTO saga_start_request (idempotency_key, saga_type, request_hash, saga_id,
                    created_at)
                VALUES (:key, :sagaType, decode(:hash, 'hex'), :sagaId, :now)
                ON CONFLICT (saga_type, idempotency_key) DO NOTHING
                """)
            .param("key", key)
            .param("sagaType", sagaType)
            .param("hash", requestHash)
            .param("sagaId", sagaId)
            .param("now", Sql.ts(now))
            .update()
        == 1;
  }

  /** A key to record for a new saga. */
  public record NewStart(
      String sagaType, String key, String requestHash, UUID sagaId, Instant createdAt) {}

  /**
   * Records the keys that do not exist yet, in one statement and in the given order (callers sort
   * them, so two transactions inserting overlapping keys wait for each other instead of
   * deadlocking).
   *
   * @return the saga ids of the starts whose key this call recorded
   */
  public Set<UUID> insertAllIfAbsent(List<NewStart> starts) {
    if (starts.isEmpty()) {
      return Set.of();
    }
    int n = starts.size();
    String[] keys = new String[n];
    String[] types = new String[n];
    String[] hashes = new String[n];
    UUID[] ids = new UUID[n];
    String[] times = new String[n];
    for (int i = 0; i < n; i++) {
      NewStart s = starts.get(i);
      keys[i] = s.key();
      types[i] = s.sagaType();
      hashes[i] = s.requestHash();
      ids[i] = s.sagaId();
      // ISO-8601 with offset: parsed by timestamptz exactly, microseconds included
      times[i] = s.createdAt().toString();
    }
    return new HashSet<>(
        jdbc.sql(
                """
                INSERT INTO saga_start_request (idempotency_key, saga_type, request_hash, saga_id,
                    created_at)
                SELECT k, t, decode(h, 'hex'), i, c
                FROM unnest(CAST(:keys AS varchar[]), CAST(:types AS varchar[]),
                    CAST(:hashes AS varchar[]), CAST(:ids AS uuid[]),
                    CAST(:times AS timestamptz[])) AS s (k, t, h, i, c)
                ON CONFLICT (saga_type, idempotency_key) DO NOTHING
                RETURNING saga_id
                """)
            .param("keys", keys)
            .param("types", types)
            .param("hashes", hashes)
            .param("ids", ids)
            .param("times", times)
            .query(UUID.class)
            .list());
  }

  public Optional<StartRequest> find(String sagaType, String key) {
    return jdbc.sql(
            """
            SELECT saga_id, encode(request_hash, 'hex') AS request_hash FROM saga_start_request
            WHERE saga_type = :sagaType AND idempotency_key = :key
            """)
        .param("sagaType", sagaType)
        .param("key", key)
        .query((rs, n) -> new StartRequest(Sql.uuid(rs, "saga_id"), rs.getString("request_hash")))
        .optional();
  }
}
