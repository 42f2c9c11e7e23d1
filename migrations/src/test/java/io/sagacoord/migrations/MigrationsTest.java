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

  // a definition's fingerprint: the hex SHA-256 of its structure (bytea since V81)
  private static final String FINGERPRINT =
      "08f18248417e6eee09eb9d2586e7d66f1065f63a5622e245831c21bf194b0f77";

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

  @Test
  void noIndexOfSagaInstanceCoversAColumnThatAStepChanges() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();

      // a step transition updates these; an index on any of them (key, expression or predicate)
      // would make that update a non-HOT one that writes into every index
      List<String> perStep = List.of("updated_at", "steps", "data", "last_seq", "status_reason");
      List<String> definitions =
          strings(
              db,
              "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                  + " WHERE indrelid = 'saga_instance'::regclass");
      assertThat(definitions).isNotEmpty();
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
  void theTablesWrittenOnEveryStepCarryNoForeignKeyAndTimersNoIndexOnIdAlone() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();

      // a foreign key costs a lookup of saga_instance per inserted row (V40)
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
    }
  }

  @Test
  void theLogEntryViewUnfoldsARowIntoItsEntriesInOrder() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement()
            .execute(
                "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
                    + " data, steps, created_at, updated_at, last_seq) VALUES"
                    + " ('00000000-0000-0000-0000-000000000001', 't', 1, decode('"
                    + FINGERPRINT
                    + "', 'hex'), 'RUNNING', '{}', '[]', now(), now(), 2)");
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, detail, then_entries, event, occurred_at)"
                    + " VALUES ('00000000-0000-0000-0000-000000000001', 1, 'SAGA_STARTED', '{}',"
                    + " '[{\"type\":\"COMMAND_SENT\",\"step\":\"a\",\"phase\":\"forward\","
                    + "\"attempt\":1,\"commandId\":\"00000000-0000-0000-0000-0000000000aa\","
                    + "\"detail\":{\"x\":1}}]', '{\"type\":\"Start\"}', now()),"
                    + " ('00000000-0000-0000-0000-000000000001', 2, 'STEP_SUCCEEDED', '{}', NULL,"
                    + " '{}', now())");
      }
      assertThat(
              strings(
                  db,
                  "SELECT concat_ws('/', seq, entry, type, step, phase, attempt, command_id,"
                      + " detail, event IS NULL) FROM saga_log_entry ORDER BY seq, entry"))
          .containsExactly(
              // a SAGA_STARTED detail without sagaType gets the instance's (V50)
              "1/0/SAGA_STARTED/{\"version\": 1, \"sagaType\": \"t\", \"fingerprint\": \""
                  + FINGERPRINT
                  + "\"}/f",
              "1/1/COMMAND_SENT/a/forward/1/00000000-0000-0000-0000-0000000000aa/{\"x\": 1}/t",
              "2/0/STEP_SUCCEEDED/{}/f");
    }
  }

  @Test
  void theLogEntryViewPutsBackWhatACompactRowLeavesOut() throws SQLException {
    String saga = "6f1c0d2e-8a3b-4c5d-9e7f-0123456789ab";
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();
      try (Connection c = db.dataSource().getConnection()) {
        insertTrip(c, saga, 2);
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id,"
                    + " detail, then_entries, event, occurred_at) VALUES ('"
                    + saga
                    + "', 1, 'SAGA_STARTED', NULL, NULL, NULL, NULL, '{\"deadline\":null}',"
                    + " '[{\"type\":\"COMMAND_SENT\",\"step\":\"reserve-flight\","
                    + "\"phase\":\"compensate\",\"attempt\":2},"
                    + "{\"type\":\"COMMAND_SENT\",\"step\":\"b\"}]', '{\"type\":\"Start\"}', now()),"
                    + " ('"
                    + saga
                    + "', 2, 'STEP_SUCCEEDED', 'a', 'forward', 1,"
                    + " '00000000-0000-0000-0000-0000000000aa', '{}', NULL,"
                    + " '{\"type\":\"ReplyReceived\",\"outcome\":\"SUCCESS\",\"bodyJson\":\"{}\"}',"
                    + " now())");
      }
      java.util.UUID expected = engineCommandId(saga, "reserve-flight", "COMPENSATE", 2);
      java.util.UUID forward = engineCommandId(saga, "b", "FORWARD", 1);
      assertThat(
              strings(
                  db,
                  "SELECT concat_ws('/', seq, entry, type, phase, attempt, command_id, detail,"
                      + " event) FROM saga_log_entry ORDER BY seq, entry"))
          .containsExactly(
              "1/0/SAGA_STARTED/{\"version\": 3, \"deadline\": null, \"sagaType\": \"trip\","
                  + " \"fingerprint\": \""
                  + FINGERPRINT
                  + "\"}/{\"type\": \"Start\"}",
              "1/1/COMMAND_SENT/compensate/2/" + expected,
              "1/2/COMMAND_SENT/forward/1/" + forward,
              "2/0/STEP_SUCCEEDED/forward/1/00000000-0000-0000-0000-0000000000aa/{}/{\"step\":"
                  + " \"a\","
                  + " \"type\": \"ReplyReceived\", \"phase\": \"FORWARD\", \"attempt\": 1,"
                  + " \"outcome\": \"SUCCESS\", \"bodyJson\": \"{}\", \"commandId\":"
                  + " \"00000000-0000-0000-0000-0000000000aa\"}");
    }
  }

  @Test
  void theLogEntryViewPutsBackWhatAReplyRowOfV70LeavesOut() throws SQLException {
    String saga = "6f1c0d2e-8a3b-4c5d-9e7f-0123456789ab";
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id,"
                    + " detail, event, occurred_at) VALUES"
                    // V70: neither the column nor the event keeps the deterministic id
                    + " ('"
                    + saga
                    // nor the outcome SUCCESS of a STEP_SUCCEEDED, nor the empty body
                    + "', 2, 'STEP_SUCCEEDED', 'a', 'forward', 1, NULL, '{}',"
                    + " '{\"type\":\"ReplyReceived\"}', now()),"
                    // a reply without a command id and body (before and after V70): none is made
                    // up
                    + " ('"
                    + saga
                    + "', 3, 'STEP_FAILED', 'b', 'forward', 1, NULL, '{}',"
                    + " '{\"type\":\"ReplyReceived\",\"commandId\":null,"
                    + "\"outcome\":\"BUSINESS_FAILURE\",\"bodyJson\":null}', now()),"
                    // not a reply: none either
                    + " ('"
                    + saga
                    + "', 4, 'RETRY_SCHEDULED', 'b', 'forward', 1, NULL, '{}',"
                    + " '{\"type\":\"TimerFired\"}', now())");
      }
      java.util.UUID expected = engineCommandId(saga, "a", "FORWARD", 1);
      assertThat(
              strings(
                  db,
                  "SELECT concat_ws('/', seq, command_id, event ->> 'commandId',"
                      + " event ->> 'outcome', event ->> 'bodyJson')"
                      + " FROM saga_log_entry ORDER BY seq, entry"))
          .containsExactly(
              "2/" + expected + "/" + expected + "/SUCCESS/{}", "3/BUSINESS_FAILURE", "4");
    }
  }

  @Test
  void theLogEntryViewPutsBackTheDefaultsAndReplyEventsThatV82RowsLeaveOut() throws SQLException {
    String saga = "6f1c0d2e-8a3b-4c5d-9e7f-0123456789ab";
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      flyway(db, "sec", "sec_schema_history").migrate();
      try (Connection c = db.dataSource().getConnection()) {
        insertTrip(c, saga, 5);
        String row = "('" + saga + "', ";
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, step, phase, attempt, command_id,"
                    + " detail, then_entries, event, occurred_at, kafka_partition) VALUES "
                    // the default start detail; the next command as its step name
                    + row
                    + "1, 'SAGA_STARTED', NULL, NULL, NULL, NULL, NULL,"
                    + " '[\"a\"]', '{\"type\":\"Start\"}', now(), NULL),"
                    // a reply from Kafka: no phase, event or detail; SAGA_COMPLETED's default
                    + row
                    + "2, 'STEP_SUCCEEDED', 'a', NULL, 1, NULL, NULL,"
                    + " '[{\"type\":\"SAGA_COMPLETED\"},"
                    + " {\"type\":\"STEP_SKIPPED\",\"step\":\"x\"}]', NULL, now(), 5),"
                    // no Kafka origin: no event to put back
                    + row
                    + "3, 'STEP_SUCCEEDED', 'b', 'forward', 1, NULL, NULL, NULL, NULL, now(),"
                    + " NULL),"
                    // a later entry's own row from before V30: neither event nor command id
                    + row
                    + "4, 'COMMAND_SENT', 'c', 'forward', 1,"
                    + " '00000000-0000-0000-0000-0000000000cc', NULL, NULL, NULL, now(), 5),"
                    + row
                    + "5, 'EVENT_APPLIED', NULL, NULL, NULL, NULL, NULL, NULL,"
                    + " '{\"type\":\"X\"}', now(), NULL)");
      }
      java.util.UUID first = engineCommandId(saga, "a", "FORWARD", 1);
      assertThat(
              strings(
                  db,
                  "SELECT concat_ws('/', seq, entry, type, step, phase, attempt, command_id,"
                      + " detail, event) FROM saga_log_entry ORDER BY seq, entry"))
          .containsExactly(
              "1/0/SAGA_STARTED/{\"version\": 3, \"deadline\": null, \"sagaType\": \"trip\","
                  + " \"fingerprint\": \""
                  + FINGERPRINT
                  + "\"}/{\"type\": \"Start\"}",
              "1/1/COMMAND_SENT/a/forward/1/" + first,
              "2/0/STEP_SUCCEEDED/a/forward/1/"
                  + first
                  + "/{}/{\"step\": \"a\", \"type\": \"ReplyReceived\", \"phase\":"
                  + " \"FORWARD\", \"attempt\": 1, \"outcome\": \"SUCCESS\", \"bodyJson\":"
                  + " \"{}\", \"commandId\": \""
                  + first
                  + "\"}",
              "2/1/SAGA_COMPLETED/{\"reason\": null}",
              "2/2/STEP_SKIPPED/x/{}",
              "3/0/STEP_SUCCEEDED/b/forward/1/{}",
              "4/0/COMMAND_SENT/c/forward/1/00000000-0000-0000-0000-0000000000cc",
              "5/0/EVENT_APPLIED/{\"type\": \"X\"}");
    }
  }

  @Test
  void v70KeepsTheRequestHashesAsBytesAndFindsStartKeysByCreationTime() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      Flyway before =
          Flyway.configure()
              .dataSource(db.jdbcUrl(), db.username(), db.password())
              .locations("classpath:db/sec")
              .table("sec_schema_history")
              .target("60")
              .load();
      before.migrate();
      String hash = "00ff" + "ab".repeat(30);
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement()
            .execute(
                "INSERT INTO saga_start_request (idempotency_key, saga_type, request_hash, saga_id,"
                    + " created_at) SELECT 'k' || i, 't', '"
                    + hash
                    + "', gen_random_uuid(), now() - i * interval '1 second'"
                    + " FROM generate_series(1, 20000) AS i");
      }
      flyway(db, "sec", "sec_schema_history").migrate();

      assertThat(
              strings(
                  db,
                  "SELECT DISTINCT encode(request_hash, 'hex') || '/' || octet_length(request_hash)"
                      + " FROM saga_start_request"))
          .containsExactly(hash + "/32");
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement().execute("ANALYZE saga_start_request");
      }
      // the purge's statement (SagaInstanceDao.purgeFinished) with a batch of keys
      String plan =
          String.join(
              "\n",
              strings(
                  db,
                  "EXPLAIN DELETE FROM saga_start_request r USING unnest("
                      + "(SELECT array_agg(saga_id) FROM (SELECT saga_id FROM saga_start_request"
                      + " LIMIT 500) AS x),"
                      + " (SELECT array_agg(created_at) FROM (SELECT created_at"
                      + " FROM saga_start_request LIMIT 500) AS y)) AS p (id, created_at)"
                      + " WHERE r.created_at = p.created_at AND r.saga_id = p.id"));
      assertThat(plan)
          .contains("saga_start_request_created_idx")
          .doesNotContain("Seq Scan on saga_start_request r");
      assertThat(
              strings(
                  db,
                  "SELECT indexname FROM pg_indexes WHERE tablename = 'saga_start_request'"
                      + " ORDER BY 1"))
          .containsExactly("saga_start_request_created_idx", "saga_start_request_pkey");
    }
  }

  /** A running saga of type trip, version 3, fingerprint {@link #FINGERPRINT}. */
  private static void insertTrip(Connection c, String saga, int lastSeq) throws SQLException {
    c.createStatement()
        .execute(
            "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
                + " data, steps, created_at, updated_at, last_seq) VALUES ('"
                + saga
                + "', 'trip', 3, decode('"
                + FINGERPRINT
                + "', 'hex'), 'RUNNING', '{}', '[]', now(), now(), "
                + lastSeq
                + ")");
  }

  /** The engine's command id: a name-based UUID of "<saga>|<step>|<PHASE>|<attempt>". */
  private static java.util.UUID engineCommandId(
      String saga, String step, String phase, int attempt) {
    return java.util.UUID.nameUUIDFromBytes(
        (saga + "|" + step + "|" + phase + "|" + attempt)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void v81KeepsTheFingerprintsAsBytesAndTheStepsAsTheyWere() throws SQLException {
    try (TestDatabase db = SagaInfra.postgres().newDatabase("migrations")) {
      Flyway.configure()
          .dataSource(db.jdbcUrl(), db.username(), db.password())
          .locations("classpath:db/sec")
          .table("sec_schema_history")
          .target("70")
          .load()
          .migrate();
      String steps =
          "[{\"a\": 1, \"f\": 105623, \"step\": \"reserve-flight\", \"status\": \"SUCCEEDED\"},"
              + " {\"a\": 1, \"step\": \"reserve-hotel\", \"status\": \"IN_PROGRESS\"},"
              + " {\"step\": \"reserve-car\", \"status\": \"PENDING\"}]";
      try (Connection c = db.dataSource().getConnection()) {
        c.createStatement()
            .execute(
                "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
                    + " data, steps, created_at, updated_at, last_seq) SELECT gen_random_uuid(),"
                    + " 'trip', 1, '"
                    + FINGERPRINT
                    + "', 'RUNNING', '{}', '"
                    + steps
                    + "', now(), now(), 1 FROM generate_series(1, 1000)");
        // finished sagas: updated at their finish (the terminal transition was the last one), and
        // one updated after it (an operator's note on a FAILED saga, say)
        c.createStatement()
            .execute(
                "INSERT INTO saga_instance (id, saga_type, definition_version, fingerprint, status,"
                    + " data, steps, created_at, updated_at, last_seq, finished_at) VALUES"
                    + " ('00000000-0000-0000-0000-00000000000c', 'trip', 1, '"
                    + FINGERPRINT
                    + "', 'COMPLETED', '{}', '[]', '2026-11-26 20:00:00+00',"
                    + " '2026-11-26 20:00:05+00', 4, '2026-11-26 20:00:05+00'),"
                    + " ('00000000-0000-0000-0000-00000000000f', 'trip', 1, '"
                    + FINGERPRINT
                    + "', 'FAILED', '{}', '[]', '2026-11-26 20:00:00+00',"
                    + " '2026-11-26 20:00:09+00', 5, '2026-11-26 20:00:05+00')");
        c.createStatement()
            .execute(
                "INSERT INTO saga_log (saga_id, seq, type, detail, event, occurred_at)"
                    + " SELECT id, 1, 'SAGA_STARTED', '{}', '{\"type\":\"Start\"}', now()"
                    + " FROM saga_instance LIMIT 1");
      }
      List<String> indexes =
          strings(
              db,
              "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                  + " WHERE indrelid = 'saga_instance'::regclass ORDER BY 1");

      flyway(db, "sec", "sec_schema_history").migrate();

      assertThat(
              strings(
                  db,
                  "SELECT DISTINCT encode(fingerprint, 'hex') || '/' || octet_length(fingerprint)"
                      + " || '/' || steps::text FROM saga_instance WHERE status = 'RUNNING'"
                      + " AND updated_at IS NOT NULL"))
          .containsExactly(FINGERPRINT + "/32/" + steps);
      // updated_at left out where it is finished_at; the coordinator reads it back (UPDATED_AT)
      assertThat(
              strings(
                  db,
                  "SELECT status || '/' || (updated_at IS NULL) || '/'"
                      + " || to_char(COALESCE(updated_at, finished_at) AT TIME ZONE 'UTC', 'SS')"
                      + " FROM saga_instance WHERE status <> 'RUNNING' ORDER BY id"))
          .containsExactly("COMPLETED/true/05", "FAILED/false/09");
      assertThat(
              strings(
                  db,
                  "SELECT detail ->> 'fingerprint' FROM saga_log_entry WHERE type = 'SAGA_STARTED'"))
          .containsExactly(FINGERPRINT);
      // the table was rewritten: its indexes are as they were
      assertThat(
              strings(
                  db,
                  "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                      + " WHERE indrelid = 'saga_instance'::regclass ORDER BY 1"))
          .isEqualTo(indexes)
          .hasSize(6);
    }
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
