package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Several definition versions: new sagas take the newest; a running saga whose version is no longer
 * loaded is parked with the reason, and resumed when a coordinator with that version starts. No
 * participant answers here, so sagas wait on their first step and its timeout timer.
 */
class DefinitionVersionsIntegrationTest {

  @Test
  void parksASagaWhoseVersionIsGoneAndResumesItWhenTheVersionIsBack() {
    KafkaInfra kafka = SagaInfra.kafka();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_versions")) {
      UUID onV1;
      try (RunningCoordinator v1 =
          RunningCoordinator.start(
              db, kafka, replyTopic, Map.of(), List.of(TestSagas.trip(suffix, 1)))) {
        onV1 = start(v1);
        assertThat(v1.bean(SagaCoordinator.class).find(onV1).orElseThrow().definitionVersion())
            .isEqualTo(1);
      }

      UUID onV3;
      try (RunningCoordinator v2AndV3 =
          RunningCoordinator.start(
              db,
              kafka,
              replyTopic,
              Map.of(),
              List.of(TestSagas.trip(suffix, 2), TestSagas.trip(suffix, 3)))) {
        SagaCoordinator coordinator = v2AndV3.bean(SagaCoordinator.class);
        onV3 = start(v2AndV3);
        assertThat(coordinator.find(onV3).orElseThrow().definitionVersion()).isEqualTo(3);

        // the step timeout of the v1 saga fires here, where v1 is not loaded
        SagaView parked = awaitStatus(coordinator, onV1, "PARKED");
        assertThat(parked.statusReason()).contains("version 1 is not loaded");
        // the stored steps leave out the names of v1: without v1, the steps not in flight
        // are shown by their position
        assertThat(parked.steps())
            .extracting(s -> s.get("step").asString() + " " + s.get("status").asString())
            .containsExactly("s1 IN_PROGRESS", "#2 PENDING", "#3 PENDING", "#4 PENDING");
      }

      try (RunningCoordinator all =
          RunningCoordinator.start(
              db,
              kafka,
              replyTopic,
              Map.of(),
              List.of(TestSagas.trip(suffix, 1), TestSagas.trip(suffix, 3)))) {
        SagaCoordinator coordinator = all.bean(SagaCoordinator.class);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(coordinator.find(onV1).orElseThrow().status())
                        .isIn("RUNNING", "COMPENSATING", "COMPENSATED"));
        assertThat(coordinator.find(onV1).orElseThrow().steps())
            .extracting(s -> s.get("step").asString())
            .containsExactlyElementsOf(TestSagas.TRIP_STEPS);
        assertThat(all.bean(SagaLogDao.class).findBySaga(onV1))
            .extracting(LogRow::eventJson)
            .anyMatch(e -> e != null && e.contains("\"Park\""))
            .anyMatch(e -> e != null && e.contains("\"Resume\""));
      }
    }
  }

  private static UUID start(RunningCoordinator sec) {
    return sec.bean(SagaCoordinator.class)
        .start(TestSagas.TRIP, UUID.randomUUID().toString(), TestData.ok())
        .sagaId();
  }

  private static SagaView awaitStatus(SagaCoordinator coordinator, UUID id, String status) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(coordinator.find(id).orElseThrow().status()).isEqualTo(status));
    return coordinator.find(id).orElseThrow();
  }
}
