package io.sagacoord.server.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.internal.storage.SecSchema;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The queue vacuum on a database of its own: a pass cuts the queue tables' empty end pages off only
 * when no queue row was written since the previous pass, since cutting takes a lock that stalls the
 * writers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueVacuumIntegrationTest {

  private TestDatabase db;
  private JdbcTemplate jdbc;

  @BeforeAll
  void schema() {
    db = SecSchema.newDatabase("sec_queue_vacuum");
    jdbc = new JdbcTemplate(db.dataSource());
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void cutsTheQueueTablesOnlyOnAPassThatFollowsOneWithNoQueueRowWritten() {
    QueueVacuum vacuum = new QueueVacuum(Duration.ofSeconds(10), jdbc);
    outboxRowsWrittenAndDeleted(5_000);
    long full = outboxBytes();

    assertThat(vacuum.vacuumPass()).as("the first pass knows of no earlier one").isFalse();
    assertThat(outboxBytes()).isGreaterThanOrEqualTo(full);

    outboxRowsWrittenAndDeleted(10);
    assertThat(vacuum.vacuumPass()).as("outbox rows were written since").isFalse();
    assertThat(outboxBytes()).isGreaterThanOrEqualTo(full);

    jdbc.update(
        "INSERT INTO saga_timer (saga_id, kind, attempt, due_at)"
            + " VALUES (gen_random_uuid(), 'DEADLINE', 1, now())");
    assertThat(vacuum.vacuumPass()).as("a timer was written since").isFalse();
    assertThat(outboxBytes()).isGreaterThanOrEqualTo(full);

    assertThat(vacuum.vacuumPass()).as("nothing was written since the previous pass").isTrue();
    assertThat(outboxBytes()).isLessThan(full - 500_000);
  }

  private void outboxRowsWrittenAndDeleted(int rows) {
    jdbc.update(
        "INSERT INTO saga_outbox (saga_id, topic, message_key, headers, payload, created_at)"
            + " SELECT gen_random_uuid(), 'vacuum-test', 'k', '{}', repeat('x', 200), now()"
            + " FROM generate_series(1, ?)",
        rows);
    jdbc.update("DELETE FROM saga_outbox WHERE topic = 'vacuum-test'");
  }

  private long outboxBytes() {
    Long bytes = jdbc.queryForObject("SELECT pg_relation_size('saga_outbox')", Long.class);
    return bytes == null ? 0 : bytes;
  }
}
