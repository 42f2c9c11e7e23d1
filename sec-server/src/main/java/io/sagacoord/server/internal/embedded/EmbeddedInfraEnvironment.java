package io.sagacoord.server.internal.embedded;

import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Embedded mode: when {@code sec.embedded=true}, or when no {@code spring.datasource.url} is set,
 * starts {@code io.sagacoord.testkit.EmbeddedInfra} (embedded Postgres and an in-process Kafka
 * broker) and points the coordinator at it.
 *
 * <p>This is the only class that knows about embedded mode. The test kit is looked up reflectively,
 * so production deployments do not ship it (the coordinator's jar, distribution and image leave it
 * out): without it on the class path, embedded mode stops the start with {@link
 * EmbeddedInfraUnavailableException}, which {@link EmbeddedInfraFailureAnalyzer} reports as the
 * settings to give instead.
 */
public final class EmbeddedInfraEnvironment implements EnvironmentPostProcessor {

  static final String INFRA_CLASS = "io.sagacoord.testkit.EmbeddedInfra";
  private static final Log log = LogFactory.getLog(EmbeddedInfraEnvironment.class);

  // One embedded infrastructure per JVM: Spring may post-process several environments (for
  // example a parent and a child context), and they must share it.
  private static volatile Map<String, Object> started;

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    if (!wanted(environment)) {
      return;
    }
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("secEmbeddedInfra", start(INFRA_CLASS)));
  }

  static boolean wanted(ConfigurableEnvironment environment) {
    String explicit = environment.getProperty("sec.embedded");
    if (explicit != null) {
      return Boolean.parseBoolean(explicit);
    }
    return !environment.containsProperty("spring.datasource.url");
  }

  static synchronized Map<String, Object> start(String infraClass) {
    Class<?> type;
    try {
      type = Class.forName(infraClass);
    } catch (ClassNotFoundException e) {
      // the cause says no more than the message: the stack trace would only bury it
      throw new EmbeddedInfraUnavailableException(infraClass);
    }
    if (started != null) {
      return started;
    }
    try {
      Object infra = type.getMethod("start").invoke(null);
      AutoCloseable closeable = (AutoCloseable) infra;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      closeable.close();
                    } catch (Exception e) {
                      // the JVM is going away; nothing else to do
                    }
                  },
                  "sec-embedded-infra-stop"));
      String jdbcUrl = (String) type.getMethod("jdbcUrl").invoke(infra);
      String bootstrap = (String) type.getMethod("bootstrapServers").invoke(infra);
      log.info("Embedded mode: Postgres at " + jdbcUrl + ", Kafka at " + bootstrap);
      started =
          Map.of(
              "spring.datasource.url",
              jdbcUrl,
              "spring.datasource.username",
              type.getMethod("username").invoke(infra),
              "spring.datasource.password",
              type.getMethod("password").invoke(infra),
              "sec.kafka.bootstrap-servers",
              bootstrap);
      return started;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Could not start the embedded Postgres and Kafka", e);
    }
  }
}
