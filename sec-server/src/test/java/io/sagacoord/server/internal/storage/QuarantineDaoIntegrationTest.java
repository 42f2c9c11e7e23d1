package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Quarantining several messages with one statement, on a real PostgreSQL: every message is stored
 * in its order, NULs in the reason and headers replaced, raw bodies kept byte for byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuarantineDaoIntegrationTest {

  private static final Instant AT = Instant.parse("2026-03-01T10:00:00.123456Z");

  private TestDatabase db;
  private JdbcClient jdbc;
  private QuarantineDao dao;

  @BeforeAll
  void migrate() {
    db = SecSchema.newDatabase("sec_quarantine_dao");
    jdbc = JdbcClient.create(db.dataSource());
    dao = new QuarantineDao(jdbc, JsonMapper.builder().build());
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void clear() {
    jdbc.sql("TRUNCATE saga_quarantine RESTART IDENTITY").update();
  }

  private static List<QuarantineDao.Entry> messages() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("sec-step", "s\u00001");
    headers.put("x-\u0000", "plain");
    byte[] binary = {0, (byte) 0xff, 0x7f, '{', 0};
    return List.of(
        new QuarantineDao.Entry(
            "unknown saga", new UUID(7, 1), "sec.replies", 3, 41L, headers, binary, AT),
        new QuarantineDao.Entry(
            "body is not valid JSON: a\u0000b",
            null,
            "sec.replies",
            0,
            9_000_000_000L,
            Map.of(),
            "garbage".getBytes(StandardCharsets.UTF_8),
            AT.plusMillis(1)),
        new QuarantineDao.Entry(
            "saga already finished", new UUID(7, 2), "other", 1, 0L, Map.of(), null, AT));
  }

  @Test
  void oneStatementStoresEveryMessageInItsOrderNulsReplacedBodiesByteForByte() {
    dao.insertAll(messages());

    List<QuarantineDao.Quarantined> stored = dao.findAll();
    assertThat(stored).hasSize(3);
    assertThat(stored)
        .extracting(QuarantineDao.Quarantined::reason)
        .containsExactly(
            "unknown saga", "body is not valid JSON: a\uFFFDb", "saga already finished");
    assertThat(stored)
        .extracting(QuarantineDao.Quarantined::sagaId)
        .containsExactly(new UUID(7, 1), null, new UUID(7, 2));
    assertThat(stored)
        .extracting(QuarantineDao.Quarantined::offset)
        .containsExactly(41L, 9_000_000_000L, 0L);
    assertThat(stored).extracting(QuarantineDao.Quarantined::partition).containsExactly(3, 0, 1);
    assertThat(stored.get(0).headersJson())
        .isEqualTo("{\"x-\uFFFD\": \"plain\", \"sec-step\": \"s\uFFFD1\"}");
    assertThat(stored.get(0).rawBody()).containsExactly(0, (byte) 0xff, 0x7f, '{', 0);
    assertThat(stored.get(1).rawBody()).isEqualTo("garbage".getBytes(StandardCharsets.UTF_8));
    assertThat(stored.get(2).rawBody()).isNull();
    assertThat(stored.get(1).receivedAt()).isEqualTo(AT.plusMillis(1));
    assertThat(stored.get(2).topic()).isEqualTo("other");
  }
}
