package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedInfraTest {

  @Test
  void keepsDataInTheGivenDirectoryAcrossRestartsAndStopsCleanly(@TempDir Path dataDir)
      throws Exception {
    try (EmbeddedInfra infra = EmbeddedInfra.start(dataDir)) {
      try (Connection c =
              DriverManager.getConnection(infra.jdbcUrl(), infra.username(), infra.password());
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE kept (id int)");
        s.execute("INSERT INTO kept VALUES (42)");
      }
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic("kept-topic", 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
    }

    try (EmbeddedInfra again = EmbeddedInfra.start(dataDir)) {
      try (Connection c =
              DriverManager.getConnection(again.jdbcUrl(), again.username(), again.password());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id FROM kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("kept-topic");
      }
      assertThat(again.jdbcUrl("flight_service")).endsWith("/flight_service");
    }
    assertThat(Files.exists(dataDir.resolve("postgres"))).isTrue();
  }

  @Test
  void temporaryInfraDeletesItsDataOnClose() {
    Path root;
    try (EmbeddedInfra infra = EmbeddedInfra.start()) {
      root = infra.dataDir();
      assertThat(infra.postgresInfra().serverVersion()).startsWith("PostgreSQL 17");
      assertThat(infra.bootstrapServers()).startsWith("127.0.0.1:");
    }
    assertThat(Files.exists(root)).isFalse();
  }
}
