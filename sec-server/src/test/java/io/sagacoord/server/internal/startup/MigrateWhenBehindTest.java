package io.sagacoord.server.internal.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;

/** Flyway's migrate at start runs exactly when a shipped migration is missing from the history. */
@SagaInfraTest
class MigrateWhenBehindTest {

  private final MigrateWhenBehind strategy = new MigrateWhenBehind();

  @Test
  void migratesANewDatabaseAndFindsNothingPendingAfterwards(TestDatabase db) throws SQLException {
    Flyway flyway = flyway(db, "classpath:db/sec");
    assertThat(MigrateWhenBehind.nothingPending(flyway.getConfiguration())).isEmpty();

    strategy.migrate(flyway);

    assertThat(historyRows(db)).isPositive();
    assertThat(MigrateWhenBehind.nothingPending(flyway.getConfiguration()))
        .hasValueSatisfying(
            v -> assertThat(v).isGreaterThanOrEqualTo(MigrationVersion.fromVersion("1")));
  }

  @Test
  void skipsTheMigrateWhenTheHistoryHoldsEveryShippedMigration(TestDatabase db)
      throws SQLException {
    Flyway flyway = flyway(db, "classpath:db/sec");
    strategy.migrate(flyway);
    // a checksum that Flyway's validation (part of every migrate) refuses: the second start
    // passes only because it runs no migrate
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("UPDATE sec_schema_history SET checksum = checksum + 1 WHERE version = '1'");
    }

    strategy.migrate(flyway);

    assertThatThrownBy(flyway::migrate).hasMessageContaining("checksum");
  }

  @Test
  void appliesAShippedMigrationThatTheHistoryLacks(TestDatabase db) throws SQLException {
    strategy.migrate(flyway(db, "classpath:db/sec"));
    Flyway withExtra = flyway(db, "classpath:db/sec", "classpath:db/startup-extra");
    assertThat(MigrateWhenBehind.nothingPending(withExtra.getConfiguration())).isEmpty();

    strategy.migrate(withExtra);

    assertThat(countOf(db, "version = '2' AND success")).isEqualTo(1);
    assertThat(MigrateWhenBehind.nothingPending(withExtra.getConfiguration()))
        .contains(MigrationVersion.fromVersion("2"));
  }

  @Test
  void migratesWhenTheHistoryHasAFailedRow(TestDatabase db) throws SQLException {
    Flyway flyway = flyway(db, "classpath:db/sec");
    strategy.migrate(flyway);
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("UPDATE sec_schema_history SET success = false WHERE version = '1'");
    }

    assertThat(MigrateWhenBehind.nothingPending(flyway.getConfiguration())).isEmpty();
  }

  private static Flyway flyway(TestDatabase db, String... locations) {
    return Flyway.configure()
        .dataSource(db.dataSource())
        .locations(locations)
        .table("sec_schema_history")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load();
  }

  private static long historyRows(TestDatabase db) throws SQLException {
    return countOf(db, "true");
  }

  private static long countOf(TestDatabase db, String condition) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM sec_schema_history WHERE " + condition)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
