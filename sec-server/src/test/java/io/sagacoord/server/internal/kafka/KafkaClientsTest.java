package io.sagacoord.server.internal.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.config.SecProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class KafkaClientsTest {

  private static SecProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("sec", SecProperties.class);
  }

  @Test
  void theUsersPropertiesReachEveryClientAndTheKindSpecificOnesOnlyTheirKind() {
    SecProperties p =
        bind(
            Map.of(
                "sec.instance-id", "sec-1",
                "sec.kafka.properties[security.protocol]", "SSL",
                "sec.kafka.properties[linger.ms]", "7",
                "sec.kafka.consumer-properties[fetch.max.wait.ms]", "20",
                "sec.kafka.producer-properties[linger.ms]", "9"));

    for (Map<String, Object> client :
        java.util.List.of(
            KafkaClients.producer(p),
            KafkaClients.consumer(p, 0),
            KafkaClients.startConsumer(p),
            KafkaClients.registryConsumer(p),
            KafkaClients.admin(p))) {
      assertThat(client).containsEntry("security.protocol", "SSL");
    }
    // the producer's own map wins over the shared one, and over sec.kafka.linger
    assertThat(KafkaClients.producer(p)).containsEntry("linger.ms", "9");
    assertThat(KafkaClients.producer(p)).doesNotContainKey("fetch.max.wait.ms");
    assertThat(KafkaClients.consumer(p, 1))
        .containsEntry("fetch.max.wait.ms", "20")
        .containsEntry("group.instance.id", "sec-1-1")
        .containsEntry("enable.auto.commit", false);
    assertThat(KafkaClients.startConsumer(p))
        .containsEntry("fetch.max.wait.ms", "20")
        .containsEntry("group.id", "saga-coordinator-starts");
  }

  @Test
  void withoutUserPropertiesTheCoordinatorsOwnSettingsStand() {
    Map<String, Object> producer = KafkaClients.producer(bind(Map.of()));

    assertThat(producer)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("linger.ms", 0)
        .containsEntry("max.in.flight.requests.per.connection", 1);
  }
}
