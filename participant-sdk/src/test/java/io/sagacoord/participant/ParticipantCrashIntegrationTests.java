package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.body;
import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.internal.CrashPoints;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The participant process dies between the database commit and the reply. */
@SagaInfraTest
class ParticipantCrashIntegrationTests {

  @Test
  void crashAfterCommitBeforePublishIsHealedByTheRedeliveredCommandWithoutASecondEffect(
      KafkaInfra kafka, TestDatabase db) throws Exception {
    try (ParticipantFixture fx = new ParticipantFixture(kafka, db)) {
      UUID saga = UUID.randomUUID();
      String[] args = {
        db.jdbcUrl(),
        db.username(),
        db.password(),
        kafka.bootstrapServers(),
        fx.commandTopic,
        fx.deadLetterTopic,
        fx.registryTopic,
        fx.groupId
      };

      try (JavaProcess crashing =
          JavaProcess.builder(CrashableFlightParticipantMain.class.getName())
              .name("flight-participant-crashing")
              .systemProperty(CrashPoints.PROPERTY, CrashPoints.AFTER_COMMIT_BEFORE_PUBLISH)
              .args(args)
              .start()) {
        crashing.awaitLogLine(CrashableFlightParticipantMain.READY, Duration.ofSeconds(90));
        fx.send(
            CommandSpec.forward(
                saga, FlightService.RESERVE, "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}"));
        crashing.waitForExit(Duration.ofSeconds(90));
        assertThat(crashing.isAlive()).isFalse();
      }
      // the effect and the inbox row committed; no reply went out
      assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
      assertThat(fx.count("SELECT count(*) FROM saga_participant_inbox")).isEqualTo(1);

      try (JavaProcess restarted =
          JavaProcess.builder(CrashableFlightParticipantMain.class.getName())
              .name("flight-participant-restarted")
              .args(args)
              .start()) {
        ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
        assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
        assertThat(header(reply, SagaHeaders.SAGA_ID)).isEqualTo(saga.toString());
        assertThat(body(reply)).contains("\"flight\":\"LX318\"");
        assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
      }
    }
  }
}
