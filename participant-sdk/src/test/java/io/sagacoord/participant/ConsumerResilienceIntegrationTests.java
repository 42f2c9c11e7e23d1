package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The consumer loop survives what Kafka throws at it, and a slow batch keeps its partitions. */
@SagaInfraTest
class ConsumerResilienceIntegrationTests {
  private static final String RESERVE_BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";

  private ParticipantFixture fx;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) throws Exception {
    fx = new ParticipantFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
  }

  @Test
  void consumerFencedByAnotherStaticMemberIsReplacedAndConsumptionGoesOn() throws Exception {
    Participant participant =
        fx.start(fx.flightParticipant().consumerProperty("group.instance.id", "flight-static"));
    fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, RESERVE_BODY));
    fx.awaitReplies(1);

    // a second process started by mistake with the same static id takes the membership over
    Map<String, Object> config = fx.kafka.consumerConfig(fx.groupId);
    config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "flight-static-0");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<String, byte[]> intruder = new KafkaConsumer<>(config)) {
      intruder.subscribe(List.of(fx.commandTopic));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                intruder.poll(Duration.ofMillis(100));
                return participant.metrics().consumerRestarts() >= 1;
              });
    }

    fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, RESERVE_BODY));
    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(2).get(1);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(participant.isRunning()).isTrue();
    assertThat(fx.flights.reserveRuns).hasValue(2);
  }

  @Test
  void slowBatchStopsAtItsBudgetAndKeepsItsPartitions() throws Exception {
    int commands = 24;
    for (int i = 0; i < commands; i++) {
      fx.sendAsync(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, RESERVE_BODY));
    }
    fx.flush();
    // 24 x 300 ms is longer than max.poll.interval.ms: in one transaction the batch would hold
    // its lanes and locks for longer than the budget (1 s), so it is cut and the rest is handled
    // in the next batch. The consumer thread keeps polling meanwhile and keeps its partitions.
    Participant participant =
        fx.start(
            fx.participantWithoutHandlers()
                // one handler thread takes the whole backlog in one batch
                .concurrency(1)
                .batchBudget(Duration.ofSeconds(1))
                .consumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "6000")
                .onCommand(
                    FlightService.RESERVE,
                    ReserveFlight.class,
                    (ctx, cmd) -> {
                      Thread.sleep(300);
                      return fx.flights.reserve(ctx, cmd);
                    }));

    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(commands);

    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(fx.flights.reserveRuns).hasValue(commands);
    ParticipantMetrics metrics = participant.metrics();
    assertThat(metrics.batchesCutShort()).isPositive();
    assertThat(metrics.failedBatches()).isZero();
    assertThat(metrics.storedOutcomesResent()).isZero();
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(commands);
  }
}
