package io.sagacoord.testkit.internal;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The Testcontainers path, taken only where a Docker engine answers. */
public final class ContainerInfra {
  /** Same major version as the embedded binaries, so both paths test the same server. */
  public static final String POSTGRES_IMAGE = "postgres:17-alpine";

  /** Same broker line as the managed kafka-clients. */
  public static final String KAFKA_IMAGE = "apache/kafka:4.1.1";

  private ContainerInfra() {}

  /**
   * True when Testcontainers finds a usable Docker environment (answers fast when there is none).
   */
  public static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  public static PostgreSQLContainer startPostgres() {
    PostgreSQLContainer container = new PostgreSQLContainer(POSTGRES_IMAGE);
    container.start();
    return container;
  }

  public static KafkaContainer startKafka() {
    KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
    container.start();
    return container;
  }
}
