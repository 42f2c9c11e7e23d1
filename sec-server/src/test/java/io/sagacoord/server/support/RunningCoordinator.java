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

  public static RunningCoordinator start(
      TestDatabase db,
      KafkaInfra kafka,
      String replyTopic,
      Map<String, Object> extra,
      List<SagaDefinition<?>> definitions) {
    Map<String, Object> props = new HashMap<>();
    props.put("spring.datasource.url", db.jdbcUrl());
    props.put("spring.datasource.username", db.username());
    props.put("spring.datasource.password", db.password());
    props.put("sec.embedded", "false");
    props.put("sec.kafka.bootstrap-servers", kafka.bootstrapServers());
    props.put("sec.kafka.reply-topic", replyTopic);
    props.put("sec.kafka.partitions", "3");
    props.put("sec.kafka.consumer-group", "sec-" + replyTopic);
    props.put("sec.instance-id", "sec-test-" + replyTopic);
    props.put("sec.outbox.poll-interval", "300ms");
    props.put("sec.timers.poll-interval", "100ms");
    props.put("server.port", "0");
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
                })
            .run();
    return new RunningCoordinator(context);
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  public int port() {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  @Override
  public void close() {
    context.close();
  }
}
