package io.sagacoord.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/**
 * Both Flyway locations apply to one real PostgreSQL schema side by side, each with its own history
 * table, in either order, and a second run changes nothing.
 */
class MigrationsTest {

  private static Flyway flyway(TestDatabase db, String location, String table) {
    return Flyway.configure()
        .dataSource(db.jdbcUrl(), db.username(), db.password())
        .locations("classpath:db/" + location)
        .table(table)
        // the other location's tables may be there already; baseline 0 keeps V1 applying
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load();
  }

  @Test
  void secAndParticipantLocationsApplyToOneSchemaWithTheirOwnHistoryTables() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      MigrateResult sec = flyway(db, "sec", "sec_schema_history").migrate();
      MigrateResult participant = flyway(db, "participant", "participant_schema_history").migrate();

      assertThat(sec.migrationsExecuted).isGreaterThanOrEqualTo(1);
      assertThat(participant.migrationsExecuted).isGreaterThanOrEqualTo(1);
      assertThat(tables(db))
          .contains(
              "sec_schema_history",
              "participant_schema_history",
              "saga_instance",
              "saga_log",
              "saga_outbox",
              "saga_timer",
              "saga_start_request",
              "saga_quarantine");

      assertThat(flyway(db, "sec", "sec_schema_history").migrate().migrationsExecuted).isZero();
      assertThat(
              flyway(db, "participant", "participant_schema_history").migrate().migrationsExecuted)
          .isZero();
      assertThat(flyway(db, "sec", "sec_schema_history").validateWithResult().validationSuccessful)
          .isTrue();
    }
  }

  @Test
  void participantFirstThenSecAlsoWorks() {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      assertThat(
              flyway(db, "participant", "participant_schema_history").migrate().migrationsExecuted)
          .isGreaterThanOrEqualTo(1);
      assertThat(flyway(db, "sec", "sec_schema_history").migrate().migrationsExecuted)
          .isGreaterThanOrEqualTo(1);
    }
  }

  private static List<String> tables(TestDatabase db) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = current_schema()")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
