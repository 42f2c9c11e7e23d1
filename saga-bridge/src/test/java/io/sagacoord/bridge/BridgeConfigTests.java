package io.sagacoord.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BridgeConfigTests {

  private static Properties car() {
    Properties p = new Properties();
    p.setProperty("bridge.participant", "car-service");
    p.setProperty("bridge.service.base-url", "http://127.0.0.1:8087/");
    p.setProperty("bridge.commands.forward", "car.reserve");
    p.setProperty("bridge.commands.compensate", " car.cancel ");
    p.setProperty("bridge.kafka.bootstrap.servers", "localhost:9092");
    p.setProperty("bridge.db.url", "jdbc:postgresql://localhost/car_bridge");
    return p;
  }

  @Test
  void readsThePropertiesWithDefaultsForTheRest() {
    BridgeConfig config = BridgeConfig.from(car(), Map.of());

    assertThat(config.participant()).isEqualTo("car-service");
    assertThat(config.forwardTypes()).containsExactly("car.reserve");
    assertThat(config.compensationTypes()).containsExactly("car.cancel");
    assertThat(config.kafka()).containsEntry("bootstrap.servers", "localhost:9092");
    assertThat(config.commandTopic()).isNull();
    assertThat(config.jdbcPassword()).isEmpty();
    assertThat(config.http()).isEqualTo(BridgeConfig.Http.DEFAULT);
    assertThat(config.uriOf("car.reserve"))
        .isEqualTo(URI.create("http://127.0.0.1:8087/saga/car.reserve"));
  }

  @Test
  void environmentVariablesWinAndPathsAndHttpSettingsAreRead() {
    Properties p = car();
    p.setProperty("bridge.path.car.cancel", "/api/cars/cancel");
    p.setProperty("bridge.kafka.security.protocol", "PLAINTEXT");
    p.setProperty("bridge.http.request-timeout", "PT3S");
    p.setProperty("bridge.http.max-calls", "6");
    p.setProperty("bridge.http.business-failure-statuses", "409, 410,422");

    BridgeConfig config =
        BridgeConfig.from(
            p,
            Map.of(
                "BRIDGE_SERVICE_BASE_URL", "http://car:9000",
                "BRIDGE_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"));

    assertThat(config.uriOf("car.reserve"))
        .isEqualTo(URI.create("http://car:9000/saga/car.reserve"));
    assertThat(config.uriOf("car.cancel")).isEqualTo(URI.create("http://car:9000/api/cars/cancel"));
    assertThat(config.kafka())
        .containsEntry("bootstrap.servers", "kafka:9092")
        .containsEntry("security.protocol", "PLAINTEXT");
    assertThat(config.http().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.http().maxCalls()).isEqualTo(6);
    assertThat(config.http().businessFailureStatuses()).isEqualTo(Set.of(409, 410, 422));
  }

  @Test
  void missingOrWrongSettingsAreNamed() {
    Properties noTypes = car();
    noTypes.remove("bridge.commands.forward");
    noTypes.remove("bridge.commands.compensate");
    assertThatThrownBy(() -> BridgeConfig.from(noTypes, Map.of()))
        .hasMessageContaining("at least one command type");

    Properties ftp = car();
    ftp.setProperty("bridge.service.base-url", "ftp://car");
    assertThatThrownBy(() -> BridgeConfig.from(ftp, Map.of()))
        .hasMessageContaining("bridge.service.base-url must be an http or https URL");

    Properties twice = car();
    twice.setProperty("bridge.commands.compensate", "car.reserve");
    assertThatThrownBy(() -> BridgeConfig.from(twice, Map.of()))
        .hasMessageContaining("'car.reserve' is configured twice");

    Properties server = car();
    server.setProperty("bridge.http.business-failure-statuses", "500");
    assertThatThrownBy(() -> BridgeConfig.from(server, Map.of()))
        .hasMessageContaining("must be 4xx statuses");

    Properties duration = car();
    duration.setProperty("bridge.http.request-timeout", "10s");
    assertThatThrownBy(() -> BridgeConfig.from(duration, Map.of()))
        .hasMessageContaining("bridge.http.request-timeout must be an ISO-8601 duration");
  }

  @Test
  void theBackOffDoublesWithJitterUpToItsCap() {
    BridgeConfig.Http http = BridgeConfig.Http.DEFAULT;
    for (int i = 0; i < 50; i++) {
      assertThat(ServiceCaller.backoff(1, http).toMillis()).isBetween(100L, 200L);
      assertThat(ServiceCaller.backoff(2, http).toMillis()).isBetween(200L, 400L);
      assertThat(ServiceCaller.backoff(10, http).toMillis()).isBetween(2500L, 5000L);
    }
  }
}
