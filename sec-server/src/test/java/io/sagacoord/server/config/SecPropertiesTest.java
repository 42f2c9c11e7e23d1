package io.sagacoord.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SecPropertiesTest {

  private static SecProperties withInstanceId(String instanceId) {
    return new SecProperties(
        false,
        instanceId,
        new SecProperties.Kafka(
            "localhost:9092",
            "replies",
            6,
            (short) 1,
            "g",
            200,
            1024,
            true,
            true,
            "starts",
            true,
            2,
            Duration.ZERO,
            true),
        new SecProperties.Starts(2000, 500, 2, Duration.ofSeconds(30)),
        new SecProperties.Outbox(Duration.ofSeconds(1), 500, Duration.ofSeconds(10)),
        new SecProperties.Timers(Duration.ofMillis(200), 200, Duration.ofSeconds(30)),
        new SecProperties.Retention(
            Duration.ofDays(30), Duration.ofHours(1), Duration.ofSeconds(10)),
        new SecProperties.Test(null, 1));
  }

  @Test
  void twoInstancesWithoutAConfiguredIdGetDifferentValidIds() {
    String first = withInstanceId(null).instanceId();
    String second = withInstanceId(" ").instanceId();

    assertThat(first).isNotEqualTo(second).matches("[A-Za-z0-9._-]+");
    assertThat(second).matches("[A-Za-z0-9._-]+");
  }

  @Test
  void aConfiguredIdIsKept() {
    assertThat(withInstanceId("sec-pod-0").instanceId()).isEqualTo("sec-pod-0");
  }
}
