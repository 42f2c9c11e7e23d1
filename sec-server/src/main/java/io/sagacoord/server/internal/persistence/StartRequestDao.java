package io.sagacoord.server.internal.persistence;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * All SQL on {@code saga_start_request}: the idempotency keys that older coordinators recorded for
 * sagas with random ids. A start no longer writes it (the id of a saga started with a key is
 * derived from its type and key, {@code SagaIds.ofStart}, so the saga row itself records the key);
 * while legacy keys remain, a start looks its key up here first, and the retention purge deletes
 * them with their sagas. Whether any remain is checked once, then again after each purge; once none
 * remain, starts no longer read the table. The request hash is hex text in Java and 32 bytes in the
 * table (V70).
 */
@Repository
public class StartRequestDao {

  private static final Log log = LogFactory.getLog(StartRequestDao.class);

  /** A recorded start: which saga the key started and the hash of the request it came with. */
  public record StartRequest(UUID sagaId, String requestHash) {}

  /** A start key. */
  public record Key(String sagaType, String idempotencyKey) {}

  private final JdbcClient jdbc;
  // null until first asked; only ever goes from true to false (no start writes the table)
  private volatile Boolean legacyKeys;

  public StartRequestDao(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Whether the table may still hold keys (false once it was found empty). */
  public boolean hasLegacyKeys() {
    Boolean known = legacyKeys;
    if (known == null) {
      known = anyLeft();
      legacyKeys = known;
      if (known) {
        log.info(
            "saga_start_request holds start keys of older coordinators: starts look their key up"
                + " there until the retention purge has removed them all");
      }
    }
    return known;
  }

  /** Checks again whether any legacy key is left (after a purge). */
  public void recheck() {
    if (Boolean.TRUE.equals(legacyKeys) && !anyLeft()) {
      legacyKeys = false;
      log.info("saga_start_request is empty: starts no longer read it");
    }
  }

  private boolean anyLeft() {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM saga_start_request)")
        .query(Boolean.class)
        .single();
  }

  /** The legacy keys among {@code keys}, in one statement (none without asking once empty). */
  public Map<Key, StartRequest> find(List<Key> keys) {
    Map<Key, StartRequest> found = new HashMap<>();
    if (keys.isEmpty() || !hasLegacyKeys()) {
      return found;
    }
    jdbc.sql(
            """
            SELECT r.saga_type, r.idempotency_key, r.saga_id,
                encode(r.request_hash, 'hex') AS request_hash
            FROM unnest(CAST(:types AS varchar[]), CAST(:keys AS varchar[])) AS k (t, k)
            JOIN saga_start_request r ON r.saga_type = k.t AND r.idempotency_key = k.k
            """)
        .param("types", keys.stream().map(Key::sagaType).toArray(String[]::new))
        .param("keys", keys.stream().map(Key::idempotencyKey).toArray(String[]::new))
        .query(
            (rs, n) ->
                found.put(
                    new Key(rs.getString("saga_type"), rs.getString("idempotency_key")),
                    new StartRequest(Sql.uuid(rs, "saga_id"), rs.getString("request_hash"))))
        .list();
    return found;
  }
}
