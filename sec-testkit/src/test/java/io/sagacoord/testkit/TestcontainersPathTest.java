package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.internal.ContainerInfra;
import io.sagacoord.testkit.internal.DefaultKafkaInfra;
import io.sagacoord.testkit.internal.DefaultPostgresInfra;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Runs only where a Docker engine answers; skipped (not failed) elsewhere. */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersPathTest {

  @Test
  void containerPostgresAndKafkaAnswerThroughTheTestkitApi() {
    PostgreSQLContainer pg = ContainerInfra.startPostgres();
    KafkaContainer kafka = ContainerInfra.startKafka();
    try {
      DefaultPostgresInfra postgres =
          new DefaultPostgresInfra(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword(), "test");
      assertThat(postgres.serverVersion()).startsWith("PostgreSQL 17");
      try (TestDatabase db = postgres.newDatabase("containers")) {
        assertThat(db.jdbcUrl()).contains(db.name());
      }
      try (DefaultKafkaInfra infra =
          new DefaultKafkaInfra(kafka.getBootstrapServers(), "test", Duration.ofSeconds(60))) {
        String topic = infra.uniqueTopic("containers");
        infra.createTopic(topic, 1);
      }
    } finally {
      kafka.stop();
      pg.stop();
    }
  }
}
