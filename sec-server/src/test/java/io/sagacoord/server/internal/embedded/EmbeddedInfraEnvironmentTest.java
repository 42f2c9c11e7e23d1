package io.sagacoord.server.internal.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

class EmbeddedInfraEnvironmentTest {

  @Test
  void embeddedModeIsWantedWhenAskedForOrWhenNoDatabaseIsConfigured() {
    assertThat(EmbeddedInfraEnvironment.wanted(environment(Map.of()))).isTrue();
    assertThat(
            EmbeddedInfraEnvironment.wanted(
                environment(Map.of("spring.datasource.url", "jdbc:postgresql://db/sec"))))
        .isFalse();
    assertThat(
            EmbeddedInfraEnvironment.wanted(
                environment(
                    Map.of(
                        "spring.datasource.url", "jdbc:postgresql://db/sec",
                        "sec.embedded", "true"))))
        .isTrue();
    assertThat(EmbeddedInfraEnvironment.wanted(environment(Map.of("sec.embedded", "false"))))
        .isFalse();
  }

  @Test
  void embeddedModeWithoutTheTestKitFailsWithWhatToSetInstead() {
    // a class path without the test kit, as the image's: the class looked for is not there
    String absent = "io.sagacoord.testkit.AbsentEmbeddedInfra";

    EmbeddedInfraUnavailableException failure =
        catchThrowableOfType(
            EmbeddedInfraUnavailableException.class, () -> EmbeddedInfraEnvironment.start(absent));

    assertThat(failure)
        .hasMessageContaining("io.sagacoord:sec-testkit")
        .hasMessageContaining(absent)
        .hasNoCause();
    assertThat(failure.infraClass()).isEqualTo(absent);

    // as Spring Boot meets it: wrapped on its way out of the start
    FailureAnalysis analysis =
        new EmbeddedInfraFailureAnalyzer()
            .analyze(new IllegalStateException("start failed", failure));
    assertThat(analysis).isNotNull();
    assertThat(analysis.getDescription()).isEqualTo(failure.getMessage());
    assertThat(analysis.getAction())
        .contains("SPRING_DATASOURCE_URL", "SEC_KAFKA_BOOTSTRAP_SERVERS", "SEC_EMBEDDED=false");
    assertThat(analysis.getCause()).isSameAs(failure);
  }

  @Test
  void otherStartFailuresAreLeftToSpringBoot() {
    assertThat(
            new EmbeddedInfraFailureAnalyzer()
                .analyze(new IllegalStateException("Could not start the embedded Postgres")))
        .isNull();
  }

  /** Only the properties given: none of this JVM's system properties or environment variables. */
  private static ConfigurableEnvironment environment(Map<String, Object> properties) {
    ConfigurableEnvironment environment = new AbstractEnvironment() {};
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return environment;
  }
}
