package io.sagacoord.participant.spring;

import io.opentelemetry.api.OpenTelemetry;
import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Participant;
import io.sagacoord.participant.TransactionRunner;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.ObjectMapper;

/**
 * A participant from a dependency and a few properties: set {@code saga.participant.name} and the
 * Kafka bootstrap servers, declare handlers as {@link SagaCommandHandler} / {@link
 * SagaCompensationHandler} methods or {@link HandlerRegistration} beans. The service's {@code
 * DataSource} and transaction manager are used, so handler code joins the SDK's transaction.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
      "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"
    })
@ConditionalOnProperty(prefix = "saga.participant", name = "name")
@ConditionalOnProperty(
    prefix = "saga.participant",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(SagaParticipantProperties.class)
public class SagaParticipantAutoConfiguration {

  @Bean
  static SagaHandlerMethodCollector sagaHandlerMethodCollector() {
    return new SagaHandlerMethodCollector();
  }

  @Bean
  @ConditionalOnMissingBean(TransactionRunner.class)
  @ConditionalOnBean(DataSource.class)
  TransactionRunner sagaParticipantTransactionRunner(
      DataSource dataSource, ObjectProvider<PlatformTransactionManager> transactionManager) {
    return new SpringTransactionRunner(
        dataSource, transactionManager.getIfUnique(() -> new JdbcTransactionManager(dataSource)));
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(DataSource.class)
  SagaParticipantLifecycle sagaParticipantLifecycle(
      SagaParticipantProperties properties,
      Environment environment,
      DataSource dataSource,
      TransactionRunner transactionRunner,
      SagaHandlerMethodCollector collector,
      ObjectProvider<HandlerRegistration<?>> registrationBeans,
      ObjectProvider<ObjectMapper> jsonMapper,
      ObjectProvider<Clock> clock,
      ObjectProvider<OpenTelemetry> openTelemetry) {
    return new SagaParticipantLifecycle(
        () -> {
          Participant.Builder builder =
              Participant.builder(properties.getName())
                  .kafka(kafkaSettings(properties, environment))
                  .dataSource(dataSource)
                  .transactionRunner(transactionRunner)
                  .consumerThreads(properties.getConsumerThreads())
                  .concurrency(properties.getConcurrency())
                  .drainTimeout(properties.getDrainTimeout())
                  .batchBudget(properties.getBatchBudget())
                  .maxPollRecords(properties.getMaxPollRecords())
                  .pollTimeout(properties.getPollTimeout())
                  .announceInterval(properties.getAnnounceInterval())
                  .heartbeatInterval(properties.getHeartbeatInterval())
                  .inboxRetention(properties.getInboxRetention())
                  .purgeInterval(properties.getPurgeInterval())
                  .version(properties.getVersion())
                  .migrateInbox(properties.isMigrateInbox())
                  .createTopics(properties.isCreateTopics(), properties.getTopicPartitions())
                  .localRetries(
                      new LocalRetryPolicy(
                          properties.getLocalRetries().getMaxRuns(),
                          properties.getLocalRetries().getInitialBackoff(),
                          properties.getLocalRetries().getMaxBackoff()));
          if (properties.getCommandTopic() != null) {
            builder.commandTopic(properties.getCommandTopic());
          }
          // spans of command handling go to the application's OpenTelemetry, when it has one
          openTelemetry.ifUnique(builder::openTelemetry);
          if (properties.getDeadLetterTopic() != null) {
            builder.deadLetterTopic(properties.getDeadLetterTopic());
          }
          if (properties.getRegistryTopic() != null) {
            builder.registryTopic(properties.getRegistryTopic());
          }
          if (properties.getGroupId() != null) {
            builder.groupId(properties.getGroupId());
          }
          if (properties.getFenceRetention() != null) {
            builder.fenceRetention(properties.getFenceRetention());
          }
          if (properties.getInstanceId() != null) {
            builder.instanceId(properties.getInstanceId());
          }
          ObjectMapper mapper = jsonMapper.getIfUnique();
          if (mapper != null) {
            builder.jsonMapper(mapper);
          }
          Clock c = clock.getIfUnique();
          if (c != null) {
            builder.clock(c);
          }
          registrationBeans.orderedStream().forEach(builder::handler);
          collector.registrations().forEach(builder::handler);
          return builder.build();
        });
  }

  private static Map<String, Object> kafkaSettings(
      SagaParticipantProperties properties, Environment environment) {
    Map<String, Object> settings = new HashMap<>(properties.getKafka());
    String bootstrap = properties.getBootstrapServers();
    if (bootstrap == null) {
      bootstrap = environment.getProperty("spring.kafka.bootstrap-servers", "localhost:9092");
    }
    settings.put("bootstrap.servers", bootstrap);
    return settings;
  }
}
