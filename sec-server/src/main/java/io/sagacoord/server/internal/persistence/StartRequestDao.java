package io.sagacoord.server.internal.persistence;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** All SQL on {@code saga_start_request}, the idempotency keys of saga starts. */
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
                VALUES (:key, :sagaType, :hash, :sagaId, :now)
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

  public Optional<StartRequest> find(String sagaType, String key) {
    return jdbc.sql(
            """
            SELECT saga_id, request_hash FROM saga_start_request
            WHERE saga_type = :sagaType AND idempotency_key = :key
            """)
        .param("sagaType", sagaType)
        .param("key", key)
        .query((rs, n) -> new StartRequest(Sql.uuid(rs, "saga_id"), rs.getString("request_hash")))
        .optional();
  }
}
