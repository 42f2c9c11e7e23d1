package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.add;
import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

@SagaInfraTest
class PoisonRecordIntegrationTests {
  private static final String BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";

  @Test
  void thousandPoisonRecordsAreQuarantinedWithTheirReasonWhileEveryValidCommandIsAnswered(
      KafkaInfra kafka, TestDatabase db) throws Exception {
    try (ParticipantFixture fx = new ParticipantFixture(kafka, db)) {
      Participant participant = fx.start(fx.flightParticipant());
      Set<String> validSagas = new HashSet<>();
      for (int i = 0; i < 1000; i++) {
        if (i % 20 == 0) {
          UUID saga = UUID.randomUUID();
          validSagas.add(saga.toString());
          fx.send(CommandSpec.forward(saga, FlightService.RESERVE, BODY));
        }
        sendPoison(fx, i);
      }

      List<ConsumerRecord<String, byte[]>> quarantined = fx.awaitDeadLetters(1000);
      List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(validSagas.size());

      assertThat(quarantined).hasSize(1000);
      assertThat(quarantined)
          .allSatisfy(r -> assertThat(header(r, SagaHeaders.DLQ_REASON)).isNotBlank());
      assertThat(quarantined)
          .extracting(r -> header(r, SagaHeaders.DLQ_REASON))
          .anyMatch(reason -> reason.startsWith("missing header saga-step"))
          .anyMatch(reason -> reason.startsWith("unknown command type 'flight.teleport'"))
          .anyMatch(reason -> reason.startsWith("body is not a valid ReserveFlight"))
          .anyMatch(reason -> reason.startsWith("header saga-attempt is not an integer"));
      assertThat(quarantined)
          .allSatisfy(
              r -> assertThat(header(r, SagaHeaders.DLQ_SOURCE_TOPIC)).isEqualTo(fx.commandTopic));
      assertThat(replies)
          .extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrderElementsOf(validSagas);
      assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
      assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(validSagas.size());
      assertThat(participant.metrics().poisonRecords()).isEqualTo(1000);
      assertThat(participant.isRunning()).isTrue();

      // and the consumer goes on with the next command
      fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY));
      assertThat(fx.awaitReplies(validSagas.size() + 1)).hasSize(validSagas.size() + 1);
    }
  }

  private static void sendPoison(ParticipantFixture fx, int i) {
    UUID saga = UUID.randomUUID();
    List<Header> headers = new ArrayList<>();
    add(headers, SagaHeaders.SAGA_ID, saga.toString());
    add(headers, SagaHeaders.SAGA_TYPE, "trip-booking");
    if (i % 4 != 0) {
      add(headers, SagaHeaders.STEP, "reserve-flight");
    }
    add(headers, SagaHeaders.PHASE, "forward");
    add(headers, SagaHeaders.ATTEMPT, i % 4 == 3 ? "three" : "1");
    add(headers, SagaHeaders.COMMAND_ID, UUID.randomUUID().toString());
    add(headers, SagaHeaders.MESSAGE_KIND, MessageKind.COMMAND.wireName());
    add(headers, SagaHeaders.COMMAND_TYPE, i % 4 == 1 ? "flight.teleport" : FlightService.RESERVE);
    add(headers, SagaHeaders.REPLY_TOPIC, fx.replyTopic);
    String body = i % 4 == 2 ? "{not json" : BODY;
    fx.sendRaw(saga.toString(), headers, body.getBytes(StandardCharsets.UTF_8));
  }
}
