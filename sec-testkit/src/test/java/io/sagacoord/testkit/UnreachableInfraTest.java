package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.testkit.internal.InfraFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An address nobody listens on must fail fast, naming the address; never hang the run. */
class UnreachableInfraTest {

  @Test
  @Timeout(value = 20, unit = java.util.concurrent.TimeUnit.SECONDS)
  void externalJdbcUrlThatDoesNotAnswerFailsWithTheUrlInTheMessage() {
    String url = "jdbc:postgresql://127.0.0.1:" + FreePorts.one() + "/postgres";
    assertThatThrownBy(() -> InfraFactory.connectExternalPostgres(url, "postgres", "secret"))
        .isInstanceOf(InfraUnavailableException.class)
        .hasMessageContaining(url);
  }

  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.SECONDS)
  void externalKafkaBootstrapThatDoesNotAnswerFailsWithTheAddressInTheMessage() {
    String bootstrap = "127.0.0.1:" + FreePorts.one();
    long start = System.nanoTime();
    // a shorter wait than the default's: what counts is that it ends, naming the address
    assertThatThrownBy(() -> InfraFactory.connectExternalKafka(bootstrap, Duration.ofSeconds(2)))
        .isInstanceOf(InfraUnavailableException.class)
        .hasMessageContaining(bootstrap);
    System.out.println(
        "[sec-testkit] unreachable Kafka reported after "
            + Duration.ofNanos(System.nanoTime() - start).toMillis()
            + " ms");
  }
}
