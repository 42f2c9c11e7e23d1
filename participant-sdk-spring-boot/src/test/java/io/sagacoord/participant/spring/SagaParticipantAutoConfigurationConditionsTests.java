package io.sagacoord.participant.spring;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class SagaParticipantAutoConfigurationConditionsTests {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(SagaParticipantAutoConfiguration.class))
          .withBean(DataSource.class, PGSimpleDataSource::new);

  @Test
  void staysOffWithoutAParticipantName() {
    runner.run(context -> assertThat(context).doesNotHaveBean(SagaParticipantLifecycle.class));
  }

  @Test
  void staysOffWhenDisabled() {
    runner
        .withPropertyValues(
            "saga.participant.name=flight-service", "saga.participant.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(SagaParticipantLifecycle.class));
  }

  @Test
  void staysOffWithoutADataSource() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SagaParticipantAutoConfiguration.class))
        .withPropertyValues("saga.participant.name=flight-service")
        .run(context -> assertThat(context).doesNotHaveBean(SagaParticipantLifecycle.class));
  }
}
