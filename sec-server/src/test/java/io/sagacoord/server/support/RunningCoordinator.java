package io.sagacoord.server.support;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.server.SecApplication;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A coordinator started in this JVM on a test database and the test Kafka, with definitions. */
public final class RunningCoordinator implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  private RunningCoordinator(ConfigurableApplicationContext context) {
    this.context = context;
  }

  /**
   * The API key of the ADMIN every test coordinator accepts unless the test configures its own keys
   * (send it as header {@code X-API-Key}).
   */
  public static final String ADMIN_KEY = "test-admin-key";

  public static RunningCoordinator start(
      TestDatabase db,
      KafkaInfra kafka,
      String replyTopic,
      Map<String, Object> extra,
      List<SagaDefinition<?>> definitions) {
    return start(db, kafka, replyTopic, extra, definitions, Map.of());
  }

  /** Like the other start, with extra singleton beans (e.g. a counting interceptor). */
  public static RunningCoordinator start(
      TestDatabase db,
      KafkaInfra kafka,
      String replyTopic,
      Map<String, Object> extra,
      List<SagaDefinition<?>> definitions,
      Map<String, Object> beans) {
    Map<String, Object> props = new HashMap<>();
    props.put("spring.datasource.url", db.jdbcUrl());
    props.put("spring.datasource.username", db.username());
    props.put("spring.datasource.password", db.password());
    props.put("sec.embedded", "false");
    props.put("sec.kafka.bootstrap-servers", kafka.bootstrapServers());
    props.put("sec.kafka.reply-topic", replyTopic);
    props.put("sec.kafka.start-topic", replyTopic + "-starts");
    props.put("sec.kafka.partitions", "3");
    props.put("sec.kafka.consumer-group", "sec-" + replyTopic);
    props.put("sec.instance-id", "sec-test-" + replyTopic);
    props.put("sec.outbox.poll-interval", "300ms");
    props.put("sec.timers.poll-interval", "100ms");
    props.put("server.port", "0");
    props.put("sec.api.registry-topic", replyTopic + "-registry");
    if (extra.keySet().stream().noneMatch(k -> k.startsWith("sec.security."))) {
      props.put("sec.security.api-keys[0].name", "test-admin");
      props.put("sec.security.api-keys[0].sha256", adminKeySha256());
      props.put("sec.security.api-keys[0].roles", "ADMIN");
    }
    if (extra.keySet().stream().noneMatch(k -> k.startsWith("sec.circuit."))) {
      // circuits hold back commands once a participant fails often, which many tests script on
      // purpose for other reasons; a test of circuits sets its sec.circuit.* settings
      props.put("sec.circuit.enabled", "false");
    }
    props.putAll(extra);
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(SecApplication.class)
            .properties(props)
            .initializers(
                ctx -> {
                  int i = 0;
                  for (SagaDefinition<?> def : definitions) {
                    ctx.getBeanFactory().registerSingleton("testDefinition" + i++, def);
                  }
                  beans.forEach((name, bean) -> ctx.getBeanFactory().registerSingleton(name, bean));
                })
            .run();
    return new RunningCoordinator(context);
  }

  /** The hex SHA-256 of {@link #ADMIN_KEY}. */
  public static String adminKeySha256() {
    return io.sagacoord.server.internal.security.ApiKeys.sha256Hex(ADMIN_KEY);
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  public <T> T bean(String name, Class<T> type) {
    return context.getBean(name, type);
  }

  public int port() {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  @Override
  public void close() {
    context.close();
  }
}
