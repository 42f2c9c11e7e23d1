package io.sagacoord.participant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The step locks and inbox read of a batch, on a real PostgreSQL. */
@SagaInfraTest
class InboxRepositoryIntegrationTests {

  private final InboxRepository inbox = new InboxRepository();
  private TestDatabase db;

  @BeforeEach
  void setUp(TestDatabase db) {
    this.db = db;
    InboxMigrator.migrate("flight-service", db.dataSource());
  }

  /** A connection whose driver fetches results one row at a time inside a transaction. */
  private Connection fetchingOneRowAtATime() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", db.username());
    properties.setProperty("password", db.password());
    properties.setProperty("defaultRowFetchSize", "1");
    Connection c = DriverManager.getConnection(db.jdbcUrl(), properties);
    c.setAutoCommit(false);
    return c;
  }

  private static long single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void everyStepOfTheBatchIsLockedAndItsRowsReadWhateverTheFetchSize() throws Exception {
    UUID first = new UUID(1, 1);
    UUID second = new UUID(1, 2);
    UUID third = new UUID(1, 3);
    List<InboxRepository.StepKey> steps =
        List.of(
            new InboxRepository.StepKey(first, "reserve-flight"),
            new InboxRepository.StepKey(second, "reserve-flight"),
            new InboxRepository.StepKey(third, "reserve-flight"));
    try (Connection writer = db.dataSource().getConnection()) {
      for (UUID saga : List.of(first, third)) {
        inbox.upsert(
            writer,
            new InboxRow(
                saga,
                "reserve-flight",
                Phase.FORWARD,
                "trip",
                "flight.reserve",
                1,
                1,
                "command-" + saga,
                ReplyOutcome.SUCCESS,
                "{}",
                false),
            Instant.parse("2026-03-01T10:00:00Z"));
      }
    }

    try (Connection batch = fetchingOneRowAtATime();
        Connection observer = db.dataSource().getConnection()) {
      long pid = single(batch, "SELECT pg_backend_pid()");

      List<InboxRow> rows = inbox.lockAndFind(batch, steps);

      assertThat(rows).extracting(InboxRow::sagaId).containsExactly(first, third);
      assertThat(
              single(
                  observer,
                  "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = "
                      + pid))
          .as("step locks held by the batch's transaction")
          .isEqualTo(3);
      batch.rollback();
      assertThat(
              single(
                  observer,
                  "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = " + pid))
          .as("released with the transaction")
          .isZero();
    }
  }
}
