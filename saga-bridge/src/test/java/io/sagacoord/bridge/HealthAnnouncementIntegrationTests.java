package io.sagacoord.bridge;

import static io.sagacoord.bridge.ScriptedService.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With a health endpoint configured, the service's health decides whether the bridge announces. */
@SagaInfraTest
class HealthAnnouncementIntegrationTests {
  private BridgeFixture fx;
  private ScriptedService service;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) {
    fx = new BridgeFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    if (service != null) {
      service.close();
    }
  }

  @Test
  void theBridgeAnnouncesOnlyWhileTheServiceHealthEndpointAnswers() throws Exception {
    AtomicBoolean up = new AtomicBoolean(true);
    service =
        ScriptedService.start(
            call ->
                up.get() ? json(200, "{\"status\":\"UP\"}") : json(503, "{\"status\":\"DOWN\"}"));
    fx.start(fx.config(service.baseUrl(), http -> http, "/health"));

    await().atMost(Duration.ofSeconds(30)).until(() -> fx.countRecords(fx.registryTopic) >= 3);
    up.set(false);
    int flipped = healthChecks();
    await().atMost(Duration.ofSeconds(30)).until(() -> healthChecks() >= flipped + 2);
    long whileDown = fx.countRecords(fx.registryTopic);
    await().atMost(Duration.ofSeconds(30)).until(() -> healthChecks() >= flipped + 5);
    assertThat(fx.countRecords(fx.registryTopic)).isEqualTo(whileDown);
    up.set(true);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> fx.countRecords(fx.registryTopic) > whileDown);
    assertThat(service.calls()).extracting(ScriptedService.Call::path).containsOnly("/health");
  }

  private int healthChecks() {
    return service.calls().size();
  }
}
