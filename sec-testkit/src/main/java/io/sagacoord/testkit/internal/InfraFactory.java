package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.PostgresInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Function;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Chooses and starts the shared Postgres and Kafka: external (environment variables), else
 * Testcontainers where Docker answers, else embedded.
 */
public final class InfraFactory {
  public static final String ENV_JDBC_URL = "SEC_TEST_JDBC_URL";
  public static final String ENV_JDBC_USER = "SEC_TEST_JDBC_USER";
  public static final String ENV_JDBC_PASSWORD = "SEC_TEST_JDBC_PASSWORD";
  public static final String ENV_KAFKA_BOOTSTRAP = "SEC_TEST_KAFKA_BOOTSTRAP";

  /**
   * {@code auto} (default), {@code embedded} (never ask Docker) or {@code testcontainers}; read
   * from the environment variable or the system property of the same name.
   */
  public static final String ENV_INFRA_MODE = "SEC_TEST_INFRA";

  /** An external broker must answer this fast; a typo in the address fails the run at once. */
  static final Duration EXTERNAL_KAFKA_TIMEOUT = Duration.ofSeconds(10);

  private final Function<String, String> env;

  public InfraFactory(Function<String, String> env) {
    this.env = env;
  }

  public static InfraFactory fromEnvironment() {
    return new InfraFactory(
        name -> {
          String value = System.getenv(name);
          if (value == null || value.isBlank()) {
            value = System.getProperty(name);
          }
          return value == null || value.isBlank() ? null : value.trim();
        });
  }

  /**
   * Connects to a server that exists already; fails within seconds with the URL if it does not
   * answer.
   */
  public static DefaultPostgresInfra connectExternalPostgres(
      String jdbcUrl, String username, String password) {
    return new DefaultPostgresInfra(
        jdbcUrl,
        username == null ? "postgres" : username,
        password == null ? "" : password,
        "external, from " + ENV_JDBC_URL);
  }

  /**
   * Connects to a broker that exists already; fails within seconds with the address if it does not
   * answer.
   */
  public static DefaultKafkaInfra connectExternalKafka(String bootstrapServers) {
    return connectExternalKafka(bootstrapServers, EXTERNAL_KAFKA_TIMEOUT);
  }

  /**
   * Like {@link #connectExternalKafka(String)}, failing once the broker has not answered within
   * {@code timeout}.
   */
  public static DefaultKafkaInfra connectExternalKafka(String bootstrapServers, Duration timeout) {
    return new DefaultKafkaInfra(
        bootstrapServers, "external, from " + ENV_KAFKA_BOOTSTRAP, timeout);
  }

  public PostgresInfra startPostgres() {
    String url = env.apply(ENV_JDBC_URL);
    if (url != null) {
      return connectExternalPostgres(url, env.apply(ENV_JDBC_USER), env.apply(ENV_JDBC_PASSWORD));
    }
    if (useContainers()) {
      PostgreSQLContainer container = ContainerInfra.startPostgres();
      ShutdownHooks.closeOnExit(container::stop);
      return new DefaultPostgresInfra(
          container.getJdbcUrl(),
          container.getUsername(),
          container.getPassword(),
          "Testcontainers " + ContainerInfra.POSTGRES_IMAGE);
    }
    return retryOnce(this::startEmbeddedPostgres);
  }

  /**
   * Another program may grab a free port between our pick and the server's bind; one more try with
   * fresh ports makes that race practically irrelevant.
   */
  private static <T> T retryOnce(java.util.function.Supplier<T> start) {
    try {
      return start.get();
    } catch (RuntimeException first) {
      System.err.println("[sec-testkit] start failed, trying once more: " + first.getMessage());
      try {
        return start.get();
      } catch (RuntimeException second) {
        second.addSuppressed(first);
        throw second;
      }
    }
  }

  private PostgresInfra startEmbeddedPostgres() {
    Path dataDir = Files2.createTempDirectory("sec-testkit-pg-");
    EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, true, false);
    // the postgres server is a separate process that would outlive a SIGKILLed test JVM
    OptionalLong pid = server.postmasterPid();
    pid.ifPresent(p -> ProcessRegistry.recordPid(p, dataDir.toString()));
    ShutdownHooks.closeOnExit(
        () -> {
          server.close();
          pid.ifPresent(ProcessRegistry::forgetPid);
        });
    return new DefaultPostgresInfra(
        server.adminJdbcUrl(), server.username(), server.password(), "embedded");
  }

  public KafkaInfra startKafka() {
    String bootstrap = env.apply(ENV_KAFKA_BOOTSTRAP);
    if (bootstrap != null) {
      DefaultKafkaInfra infra = connectExternalKafka(bootstrap);
      ShutdownHooks.closeOnExit(infra);
      return infra;
    }
    if (useContainers()) {
      KafkaContainer container = ContainerInfra.startKafka();
      ShutdownHooks.closeOnExit(container::stop);
      DefaultKafkaInfra infra =
          new DefaultKafkaInfra(
              container.getBootstrapServers(),
              "Testcontainers " + ContainerInfra.KAFKA_IMAGE,
              Duration.ofSeconds(60));
      ShutdownHooks.closeOnExit(infra);
      return infra;
    }
    return retryOnce(this::startInProcessKafka);
  }

  private KafkaInfra startInProcessKafka() {
    Path workDir = Files2.createTempDirectory("sec-testkit-kafka-");
    InProcessKafkaBroker broker = InProcessKafkaBroker.start(workDir, true);
    ShutdownHooks.closeOnExit(broker);
    DefaultKafkaInfra infra =
        new DefaultKafkaInfra(broker.bootstrapServers(), "embedded", Duration.ofSeconds(30));
    ShutdownHooks.closeOnExit(infra);
    return infra;
  }

  private Boolean containers;

  private synchronized boolean useContainers() {
    if (containers == null) {
      String mode = env.apply(ENV_INFRA_MODE);
      mode = mode == null ? "auto" : mode.toLowerCase(Locale.ROOT);
      containers =
          switch (mode) {
            case "embedded" -> false;
            case "testcontainers" -> true;
            case "auto" -> ContainerInfra.dockerAvailable();
            default ->
                throw new IllegalArgumentException(
                    ENV_INFRA_MODE + " must be auto, embedded or testcontainers but was " + mode);
          };
      System.out.println(
          "[sec-testkit] "
              + (containers
                  ? "Docker engine found: Postgres and Kafka run in Testcontainers"
                  : "no Docker engine (or "
                      + ENV_INFRA_MODE
                      + "=embedded): using embedded"
                      + " PostgreSQL 17 and an in-process KRaft broker"));
    }
    return containers;
  }
}
