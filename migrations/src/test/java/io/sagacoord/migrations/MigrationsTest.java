package io.sagacoord.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/**
 * Both Flyway locations apply to one real PostgreSQL schema side by side, each with its own history
 * table, in either order, and a second run changes nothing; the saga log schema keeps the
 * properties the coordinator's hot path and footprint rely on, and its view reads every row form
 * the coordinator writes.
 */
class MigrationsTest {

  // a definition's fingerprint: the hex SHA-256 of its structure
  private static final String FINGERPRINT =
      "08f18248417e6eee09eb9d2586e7d66f1065f63a5622e245831c21bf194b0f77";

  private static final String SAGA = "6f1c0d2e-8a3b-4c5d-9e7f-0123456789ab";

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

  private static void migrateSec(TestDatabase db) {
    flyway(db, "sec", "sec_schema_history").migrate();
  }

  @Test
  void secAndParticipantLocationsApplyToOneSchemaWithTheirOwnHistoryTables() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      MigrateResult sec = flyway(db, "sec", "sec_schema_history").migrate();
      assertThat(sec.migrationsExecuted).isEqualTo(1);
      assertThat(tables(db))
          .containsExactlyInAnyOrder(
              "sec_schema_history",
              "saga_instance",
              "saga_log",
              "saga_log_entry",
              "saga_outbox",
              "saga_timer",
              "saga_quarantine",
              "saga_operator_audit",
              "saga_participant",
              "saga_participant_circuit");

      MigrateResult participant = flyway(db, "participant", "participant_schema_history").migrate();
      assertThat(participant.migrationsExecuted).isGreaterThanOrEqualTo(1);
      assertThat(tables(db)).contains("participant_schema_history", "saga_participant_inbox");

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
      assertThat(flyway(db, "sec", "sec_schema_history").migrate().migrationsExecuted).isEqualTo(1);
    }
  }

  @Test
  void noIndexOfSagaInstanceCoversAColumnThatAStepChanges() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      migrateSec(db);

      // a step transition updates these; an index on any of them (key, expression or predicate)
      // would make that update a non-HOT one that writes into every index
      List<String> perStep = List.of("updated_at", "steps", "data", "last_seq", "status_reason");
      List<String> definitions =
          strings(
              db,
              "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                  + " WHERE indrelid = 'saga_instance'::regclass");
      assertThat(definitions).hasSize(6);
      for (String definition : definitions) {
        String columns = definition.substring(definition.indexOf(" USING "));
        for (String column : perStep) {
          assertThat(columns).as(definition).doesNotContainPattern("\\b" + column + "\\b");
        }
      }
      assertThat(
              strings(
                  db, "SELECT unnest(reloptions) FROM pg_class WHERE relname = 'saga_instance'"))
          .contains("fillfactor=80");
    }
  }

  @Test
  void theTablesWrittenOnEveryStepCarryNoForeignKeyAndNoIndexThatNothingReads()
      throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      migrateSec(db);

      // a foreign key costs a lookup of saga_instance per inserted row
      assertThat(
              strings(
                  db,
                  "SELECT conrelid::regclass || ' ' || conname FROM pg_constraint WHERE contype ="
                      + " 'f' AND conrelid IN ('saga_log'::regclass, 'saga_outbox'::regclass,"
                      + " 'saga_timer'::regclass)"))
          .isEmpty();
      assertThat(
              strings(
                  db,
                  "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                      + " WHERE indrelid = 'saga_timer'::regclass"))
          .hasSize(2)
          .allSatisfy(definition -> assertThat(definition).doesNotContain("(id)"));
      // the log is read by saga only: one deduplicated entry per saga, no key per row
      assertThat(
              strings(
                  db,
                  "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                      + " WHERE indrelid = 'saga_log'::regclass"))
          .containsExactly(
              "CREATE INDEX saga_log_saga_idx ON public.saga_log USING btree (saga_id)");
      // without a primary key, logical replication needs a replica identity to replicate DELETEs
      assertThat(
              strings(
                  db,
                  "SELECT relname || '/' || relreplident::text FROM pg_class"
                      + " WHERE relname IN ('saga_log', 'saga_timer') ORDER BY 1"))
          .containsExactly("saga_log/f", "saga_timer/f");
    }
  }

  @Test
  void theOperatorAuditRefusesUpdatesAndDeletes() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      migrateSec(db);
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement()
            .execute(
                "INSERT INTO saga_operator_audit (action, actor, reason, outcome, occurred_at)"
                    + " VALUES ('RETRY_STEP', 'ops', 'stuck', 'APPLIED', now())");
        assertThatThrownBy(
                () -> c.createStatement().execute("UPDATE saga_operator_audit SET actor = 'x'"))
            .hasMessageContaining("append-only");
        assertThatThrownBy(() -> c.createStatement().execute("DELETE FROM saga_operator_audit"))
            .hasMessageContaining("append-only");
      }
      assertThat(strings(db, "SELECT actor FROM saga_operator_audit")).containsExactly("ops");
    }
  }

  @Test
  void theLogEntryViewUnfoldsARowIntoItsEntriesAndPutsBackWhatTheRowLeavesOut()
      throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      migrateSec(db);
      try (Connection c = db.dataSource().getConnection()) {
        insertTrip(c, 4);
        c.createStatement()
            .execute(
                """
                INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id,
                    detail, then_entries, event, occurred_at, kafka_topic, kafka_partition)
                VALUES
                -- a start with a deadline; a compensation command; a forward first attempt as
                -- its step name; a command whose id is not the deterministic one
                ('%1$s', 1, 'SAGA_STARTED', NULL, NULL, NULL, NULL,
                 '{"deadline": "2026-12-01T00:00:00Z"}',
                 '[{"type": "COMMAND_SENT", "step": "a", "phase": "compensate", "attempt": 2},
                   "b",
                   {"type": "COMMAND_SENT", "step": "c",
                    "commandId": "00000000-0000-0000-0000-0000000000cc"}]',
                 '{"type": "Start"}', now(), NULL, NULL),
                -- a success from the reply topic: no phase, command id, detail or event; the
                -- default details of the entries that follow
                ('%1$s', 2, 'STEP_SUCCEEDED', 'b', NULL, 1, NULL, NULL,
                 '[{"type": "SAGA_COMPLETED"}, {"type": "STEP_SKIPPED", "step": "x"}]',
                 NULL, now(), NULL, 5),
                -- a failure from another topic, its body empty; a reply without a command id
                -- gets none made up
                ('%1$s', 3, 'STEP_FAILED', 'c', 'forward', 1, NULL, NULL, NULL,
                 '{"type": "ReplyReceived", "outcome": "BUSINESS_FAILURE"}', now(),
                 'other.replies', 2),
                ('%1$s', 4, 'STEP_FAILED', 'c', 'forward', 2, NULL, NULL, NULL,
                 '{"type": "ReplyReceived", "commandId": null, "outcome": "BUSINESS_FAILURE"}',
                 now(), NULL, 2),
                -- a timer: its step, phase and attempt from the columns
                ('%1$s', 5, 'RETRY_SCHEDULED', 'c', 'forward', 2, NULL, NULL, NULL,
                 '{"type": "TimerFired"}', now(), NULL, NULL),
                ('%1$s', 6, 'EVENT_APPLIED', NULL, NULL, NULL, NULL, NULL, NULL,
                 '{"type": "X"}', now(), NULL, NULL)
                """
                    .formatted(SAGA));
      }
      UUID compensation = engineCommandId("a", "COMPENSATE", 2);
      UUID b = engineCommandId("b", "FORWARD", 1);
      UUID c1 = engineCommandId("c", "FORWARD", 1);
      assertThat(
              strings(
                  db,
                  "SELECT concat_ws('/', seq, entry, type, step, phase, attempt, command_id,"
                      + " detail, event, kafka_topic) FROM saga_log_entry ORDER BY seq, entry"))
          .containsExactly(
              "1/0/SAGA_STARTED/{\"version\": 3, \"deadline\": \"2026-12-01T00:00:00Z\","
                  + " \"sagaType\": \"trip\", \"fingerprint\": \""
                  + FINGERPRINT
                  + "\"}/{\"type\": \"Start\"}",
              "1/1/COMMAND_SENT/a/compensate/2/" + compensation,
              "1/2/COMMAND_SENT/b/forward/1/" + b,
              "1/3/COMMAND_SENT/c/forward/1/00000000-0000-0000-0000-0000000000cc",
              "2/0/STEP_SUCCEEDED/b/forward/1/"
                  + b
                  + "/{}/{\"step\": \"b\", \"type\": \"ReplyReceived\", \"phase\":"
                  + " \"forward\", \"attempt\": 1, \"outcome\": \"SUCCESS\", \"bodyJson\":"
                  + " \"{}\", \"commandId\": \""
                  + b
                  + "\"}/saga.coordinator.replies",
              "2/1/SAGA_COMPLETED/{\"reason\": null}/saga.coordinator.replies",
              "2/2/STEP_SKIPPED/x/{}/saga.coordinator.replies",
              "3/0/STEP_FAILED/c/forward/1/"
                  + c1
                  + "/{}/{\"step\": \"c\", \"type\": \"ReplyReceived\", \"phase\": \"forward\","
                  + " \"attempt\": 1, \"outcome\": \"BUSINESS_FAILURE\", \"bodyJson\": \"{}\","
                  + " \"commandId\": \""
                  + c1
                  + "\"}/other.replies",
              "4/0/STEP_FAILED/c/forward/2/{}/{\"step\": \"c\", \"type\": \"ReplyReceived\","
                  + " \"phase\": \"forward\", \"attempt\": 2, \"outcome\": \"BUSINESS_FAILURE\","
                  + " \"bodyJson\": \"{}\", \"commandId\": null}/saga.coordinator.replies",
              "5/0/RETRY_SCHEDULED/c/forward/2/{}/{\"step\": \"c\", \"type\": \"TimerFired\","
                  + " \"phase\": \"forward\", \"attempt\": 2}",
              "6/0/EVENT_APPLIED/{\"type\": \"X\"}");
    }
  }

  @Test
  void theLogEntryViewGivesTheDefaultStartDetailFromTheInstance() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      migrateSec(db);
      try (Connection c = db.dataSource().getConnection()) {
        insertTrip(c, 1);
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, event, occurred_at) VALUES ('"
                    + SAGA
                    + "', 1, 'SAGA_STARTED', '{\"type\": \"Start\"}', now())");
      }
      assertThat(strings(db, "SELECT detail::text FROM saga_log_entry"))
          .containsExactly(
              "{\"version\": 3, \"deadline\": null, \"sagaType\": \"trip\", \"fingerprint\": \""
                  + FINGERPRINT
                  + "\"}");
    }
  }

  /** A running saga {@link #SAGA} of type trip, version 3, fingerprint {@link #FINGERPRINT}. */
  private static void insertTrip(Connection c, int lastSeq) throws SQLException {
    c.createStatement()
        .execute(
            "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
                + " data, steps, created_at, updated_at, last_seq) VALUES ('"
                + SAGA
                + "', 'trip', 3, decode('"
                + FINGERPRINT
                + "', 'hex'), 'RUNNING', '{}', '[]', now(), now(), "
                + lastSeq
                + ")");
  }

  /** The engine's command id: a name-based UUID of "<saga>|<step>|<PHASE>|<attempt>". */
  private static UUID engineCommandId(String step, String phase, int attempt) {
    return UUID.nameUUIDFromBytes(
        (SAGA + "|" + step + "|" + phase + "|" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> strings(TestDatabase db, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  private static List<String> tables(TestDatabase db) throws SQLException {
    return strings(
        db,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
  }
}
