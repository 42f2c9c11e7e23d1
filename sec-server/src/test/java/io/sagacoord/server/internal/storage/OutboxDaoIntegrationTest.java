package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deleting sent outbox rows on a real PostgreSQL: the rows named go and no others, and only the
 * delete of sent rows commits without waiting for the disk, for its own transaction alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxDaoIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

  private TestDatabase db;
  private Connection connection;
  private JdbcClient jdbc;
  private OutboxDao outbox;
  private TransactionTemplate tx;

  @BeforeAll
  void migrate() throws SQLException {
    db = SecSchema.newDatabase("sec_outbox_dao");
    // one connection whose own default is a durable commit (the test server's is not), so that
    // what a transaction sets for itself shows against it
    connection = db.dataSource().getConnection();
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET synchronous_commit = on");
    }
    SingleConnectionDataSource session = new SingleConnectionDataSource(connection, true);
    jdbc = JdbcClient.create(session);
    outbox =
        new OutboxDao(jdbc, new NamedParameterJdbcTemplate(session), JsonMapper.builder().build());
    tx = new TransactionTemplate(new DataSourceTransactionManager(session));
  }

  @AfterAll
  void drop() throws SQLException {
    if (connection != null) {
      connection.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void clear() {
    jdbc.sql("TRUNCATE saga_outbox").update();
  }

  private List<OutboxRow> three() {
    return outbox.insert(
        List.of(1, 2, 3).stream()
            .map(
                n ->
                    new OutboxRow(
                        null,
                        new UUID(0x7134_0000_0000_0000L, n),
                        "bench.commands",
                        "key-" + n,
                        Map.of("saga-step", "step-" + n),
                        "{\"n\":" + n + "}",
                        T0))
            .toList());
  }

  private String synchronousCommit() {
    return jdbc.sql("SELECT current_setting('synchronous_commit')").query(String.class).single();
  }

  @Test
  void sentRowsAreDeletedInATransactionThatDoesNotWaitForTheDisk() {
    List<OutboxRow> rows = three();

    String inside =
        tx.execute(
            status -> {
              outbox.deleteSent(List.of(rows.get(0).id(), rows.get(2).id()));
              return synchronousCommit();
            });

    assertThat(inside).isEqualTo("off");
    assertThat(synchronousCommit()).as("after the transaction").isEqualTo("on");
    assertThat(jdbc.sql("SELECT id FROM saga_outbox").query(Long.class).list())
        .containsExactly(rows.get(1).id());
  }

  @Test
  void otherDeletesKeepTheDurableCommit() {
    List<OutboxRow> rows = three();

    String inside =
        tx.execute(
            status -> {
              outbox.delete(List.of(rows.get(1).id()));
              return synchronousCommit();
            });

    assertThat(inside).isEqualTo("on");
    assertThat(outbox.count()).isEqualTo(2L);
  }

  @Test
  void anEmptyListDeletesNothing() {
    three();

    tx.executeWithoutResult(status -> outbox.deleteSent(List.of()));

    assertThat(outbox.count()).isEqualTo(3L);
  }
}
