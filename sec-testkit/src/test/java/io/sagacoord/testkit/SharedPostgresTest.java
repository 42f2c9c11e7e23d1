package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

@SagaInfraTest
class SharedPostgresTest {

  @Test
  void answersSelectVersionWithPostgreSql17(PostgresInfra postgres) {
    String version = postgres.serverVersion();
    System.out.println("[sec-testkit] PostgreSQL server version: " + version);
    assertThat(version).startsWith("PostgreSQL");
    if (System.getenv("SEC_TEST_JDBC_URL") == null) {
      // embedded (and Testcontainers) both run the 17 line; an external server may differ
      assertThat(version).startsWith("PostgreSQL 17.");
    }
  }

  @Test
  void givesEachTestItsOwnEmptyDatabase(TestDatabase first, TestDatabase second) throws Exception {
    assertThat(first.name()).isNotEqualTo(second.name()).startsWith("sharedpostgrestest_");
    try (Connection c = first.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE only_in_first (id int)");
    }
    try (Connection c = second.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void dropsTheDatabaseWhenClosed(PostgresInfra postgres, TestDatabase admin) throws Exception {
    TestDatabase db = postgres.newDatabase("dropped");
    try (Connection c = db.dataSource().getConnection()) {
      assertThat(c.isValid(5)).isTrue();
    }
    db.close();
    try (Connection c = admin.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_database WHERE datname = '" + db.name() + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }
}
