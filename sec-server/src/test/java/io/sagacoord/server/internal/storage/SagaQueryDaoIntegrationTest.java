package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The saga list's free text and the overview's counts on a real PostgreSQL: what the text matches
 * (the start of a saga id, the start of a business key), and counts that are exact up to a limit
 * and above it estimate only COMPLETED, the other statuses counted from their index alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SagaQueryDaoIntegrationTest {

  private static final String ORDERS = "orders";
  private static final String REFUNDS = "refunds";

  private TestDatabase db;
  private JdbcClient jdbc;
  private SagaQueryDao dao;

  @BeforeAll
  void migrate() {
    db = SecSchema.newDatabase("sec_queries");
    jdbc = JdbcClient.create(db.dataSource());
    dao = new SagaQueryDao(new NamedParameterJdbcTemplate(db.dataSource()), jdbc);
    // the statistics change only when the test says so
    jdbc.sql("ALTER TABLE saga_instance SET (autovacuum_enabled = false)").update();
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  private void clear() {
    jdbc.sql("TRUNCATE saga_instance").update();
  }

  /** {@code n} sagas of a type in a status, with ids from md5 of the label. */
  private void insert(String label, String type, String status, int n, String businessKey) {
    jdbc.sql(
            """
            INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,
                data, steps, business_key, created_at, updated_at, finished_at)
            SELECT md5(:label || g)::uuid, :type, 1, '\\x00'::bytea, :status, '{}'::jsonb,
                '[]'::jsonb, :key, now() - g * interval '1 second', now(),
                CASE WHEN :status IN ('COMPLETED', 'COMPENSATED', 'FAILED') THEN now() END
            FROM generate_series(1, :n) g
            """)
        .param("label", label)
        .param("type", type)
        .param("status", status)
        .param("key", businessKey)
        .param("n", n)
        .update();
  }

  private void insertOne(UUID id, String businessKey) {
    jdbc.sql(
            """
            INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,
                data, steps, business_key, created_at, updated_at)
            VALUES (:id, 'orders', 1, '\\x00'::bytea, 'RUNNING', '{}'::jsonb, '[]'::jsonb, :key,
                now(), now())
            """)
        .param("id", id)
        .param("key", businessKey)
        .update();
  }

  private Set<UUID> search(String text) {
    return dao
        .list(
            new SagaQueryDao.Filter(
                null, null, null, null, null, null, null, null, text, List.of(), null, null, true,
                100))
        .stream()
        .map(SagaQueryDao.Summary::id)
        .collect(Collectors.toSet());
  }

  @Test
  void freeTextFindsTheStartOfASagaIdOrOfABusinessKeyAndNothingElse() {
    clear();
    UUID a = UUID.fromString("3fa85f64-5717-4562-b3fc-2c963f66afa6");
    UUID b = UUID.fromString("3fa85f65-0000-4000-8000-000000000000");
    UUID c = UUID.fromString("ffffffff-ffff-4fff-bfff-ffffffffffff");
    UUID d = UUID.fromString("0a000000-0000-4000-8000-000000000001");
    UUID e = UUID.fromString("0b000000-0000-4000-8000-000000000002");
    UUID f = UUID.fromString("0c000000-0000-4000-8000-000000000003");
    insertOne(a, "ORDER-4242");
    insertOne(b, "ORDER-42420");
    insertOne(c, "order-4242");
    insertOne(d, "50%_off-Zürich");
    insertOne(e, "50%Xoff");
    insertOne(f, null);

    assertThat(search("3fa85f64")).containsExactly(a);
    assertThat(search("3FA85F6")).containsExactlyInAnyOrder(a, b);
    assertThat(search("3fa85f64-5717-4562-b3fc-2c963f66afa6")).containsExactly(a);
    assertThat(search("ffffffff-ffff")).containsExactly(c);
    // a dash where the written id has a digit is no start of an id
    assertThat(search("3fa8-5f64")).isEmpty();
    assertThat(search("ORDER-4242")).containsExactlyInAnyOrder(a, b);
    assertThat(search("order-")).containsExactly(c);
    // the middle of a key is not its start; % and _ are characters, not wildcards
    assertThat(search("4242")).isEmpty();
    assertThat(search("50%_")).containsExactly(d);
    assertThat(search("50%")).containsExactlyInAnyOrder(d, e);
    assertThat(search("50%_off-Zür")).containsExactly(d);
    assertThat(search("50%_off-Züs")).isEmpty();
    // hex digits that start a business key find it as well as the ids
    insertOne(UUID.fromString("0d000000-0000-4000-8000-000000000004"), "0bad-cafe");
    assertThat(search("0b")).hasSize(2).contains(e);
  }

  @Test
  void theNextPrefixIsTheLeastStringAfterAllThatStartWithThePrefix() {
    assertThat(TextPrefix.next("abc")).isEqualTo("abd");
    assertThat(TextPrefix.next("a\uD7FF")).isEqualTo("a\uE000");
    assertThat(TextPrefix.next("a" + new String(Character.toChars(0x10FFFF)))).isEqualTo("b");
    assertThat(TextPrefix.next(new String(Character.toChars(0x10FFFF)))).isNull();
    assertThat(TextPrefix.next("")).isNull();
    assertThat(TextPrefix.idRange("3fa85f64-")[0])
        .isEqualTo(UUID.fromString("3fa85f64-0000-0000-0000-000000000000"));
    assertThat(TextPrefix.idRange("3fa85f64-")[1])
        .isEqualTo(UUID.fromString("3fa85f64-ffff-ffff-ffff-ffffffffffff"));
    assertThat(TextPrefix.idRange("3fa85f64x")).isNull();
    assertThat(TextPrefix.idRange("\u0663")).as("an Arabic-Indic digit is no hex digit").isNull();
  }

  @Test
  void countsAreExactUpToTheLimitAndAboveItOnlyCompletedIsEstimated() {
    clear();
    insert("oc", ORDERS, "COMPLETED", 2_000, null);
    insert("rc", REFUNDS, "COMPLETED", 1_000, null);
    insert("or", ORDERS, "RUNNING", 40, null);
    insert("rf", REFUNDS, "FAILED", 25, null);
    insert("ox", ORDERS, "COMPENSATED", 10, null);
    Map<String, Long> exact = new HashMap<>();
    exact.put("COMPLETED/" + ORDERS, 2_000L);
    exact.put("COMPLETED/" + REFUNDS, 1_000L);
    exact.put("RUNNING/" + ORDERS, 40L);
    exact.put("FAILED/" + REFUNDS, 25L);
    exact.put("COMPENSATED/" + ORDERS, 10L);

    // no statistics since the table was emptied: counted, whatever the limit
    SagaQueryDao.Counts before = dao.countByStatusAndType(0);
    assertThat(before.completedEstimated()).isFalse();
    assertThat(byKey(before)).isEqualTo(exact);

    jdbc.sql("VACUUM (ANALYZE) saga_instance").update();
    SagaQueryDao.Counts small = dao.countByStatusAndType(100_000);
    assertThat(small.completedEstimated()).isFalse();
    assertThat(byKey(small)).isEqualTo(exact);

    SagaQueryDao.Counts large = dao.countByStatusAndType(1_000);
    assertThat(large.completedEstimated()).isTrue();
    Map<String, Long> estimated = byKey(large);
    assertThat(estimated)
        .containsEntry("RUNNING/" + ORDERS, 40L)
        .containsEntry("FAILED/" + REFUNDS, 25L)
        .containsEntry("COMPENSATED/" + ORDERS, 10L);
    // the sample of so small a table is the whole table: the shares are exact, the estimate
    // differs only by the rounding to three digits
    assertThat(estimated.get("COMPLETED/" + ORDERS)).isBetween(1_980L, 2_020L);
    assertThat(estimated.get("COMPLETED/" + REFUNDS)).isBetween(990L, 1_010L);
    // the other statuses can come from the open-status index alone: it holds every column the
    // count reads. Whether the planner prefers that scan depends on the visibility map, which a
    // transaction elsewhere in the cluster can keep from being set, so the plan is asked for with
    // the heap-reading scans turned off for this connection
    assertThat(openCountsPlan()).contains("Index Only Scan using saga_instance_status_open_idx");
  }

  private String openCountsPlan() {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET enable_bitmapscan = off");
      st.execute("SET enable_seqscan = off");
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = st.executeQuery("EXPLAIN " + SagaQueryDao.OPEN_COUNTS)) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      } finally {
        st.execute("RESET ALL");
      }
      return plan.toString();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anEstimateKeepsThreeSignificantDigits() {
    assertThat(SagaQueryDao.roughly(999)).isEqualTo(999);
    assertThat(SagaQueryDao.roughly(85_312)).isEqualTo(85_300);
    assertThat(SagaQueryDao.roughly(1_234_567)).isEqualTo(1_230_000);
    assertThat(SagaQueryDao.roughly(99_960)).isEqualTo(100_000);
  }

  private static Map<String, Long> byKey(SagaQueryDao.Counts counts) {
    Map<String, Long> out = new HashMap<>();
    for (SagaQueryDao.Count c : counts.counts()) {
      out.put(c.status() + "/" + c.sagaType(), c.count());
    }
    return out;
  }
}
