package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Commands of different sagas run side by side, those of one saga in order, and a command still in
 * a handler holds back only its own partition's commit.
 */
@SagaInfraTest
class ParticipantConcurrencyIntegrationTests {
  private static final String BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";
  private static final String SLOW_BODY = "{\"flight\":\"SLOW\",\"passenger\":\"Bob\"}";

  private final CountDownLatch slowEntered = new CountDownLatch(1);
  private final CountDownLatch releaseSlow = new CountDownLatch(1);
  private final AtomicInteger slowRuns = new AtomicInteger();
  private ParticipantFixture fx;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) throws Exception {
    fx = new ParticipantFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    releaseSlow.countDown();
    fx.close();
  }

  /** Flight handlers whose command for flight SLOW waits for the test, when {@code block}. */
  private Participant.Builder participant(AtomicBoolean block) {
    return fx.participantWithoutHandlers()
        .onCommand(
            FlightService.RESERVE,
            ReserveFlight.class,
            (ctx, cmd) -> {
              if (cmd.flight().equals("SLOW")) {
                slowRuns.incrementAndGet();
              }
              if (cmd.flight().equals("SLOW") && block.get()) {
                slowEntered.countDown();
                // far longer than the others need; released at the end of the test
                releaseSlow.await(5, TimeUnit.MINUTES);
              }
              return fx.flights.reserve(ctx, cmd);
            });
  }

  @Test
  void slowCommandOfOneSagaDelaysNoOtherSagasCommands() throws Exception {
    Participant participant = fx.start(participant(new AtomicBoolean(true)));
    UUID slowSaga = UUID.randomUUID();
    fx.send(CommandSpec.forward(slowSaga, FlightService.RESERVE, SLOW_BODY));
    assertThat(slowEntered.await(60, TimeUnit.SECONDS)).isTrue();

    int others = 20;
    Set<String> otherSagas = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < others; i++) {
      UUID saga = UUID.randomUUID();
      otherSagas.add(saga.toString());
      fx.sendAsync(CommandSpec.forward(saga, FlightService.RESERVE, BODY));
    }
    fx.flush();

    // answered while the slow command is still in its handler
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(others);
    assertThat(replies)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrderElementsOf(otherSagas);
    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(slowEntered.getCount()).isZero();
    assertThat(releaseSlow.getCount()).isOne();

    releaseSlow.countDown();
    List<ConsumerRecord<String, byte[]>> all = fx.awaitReplies(others + 1);
    ConsumerRecord<String, byte[]> slowReply =
        all.stream().filter(r -> r.key().equals(slowSaga.toString())).findFirst().orElseThrow();
    assertThat(header(slowReply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(others + 1);
    assertThat(participant.metrics().handlerRuns()).isEqualTo(others + 1);
  }

  @Test
  void commandsOfOneSagaRunInOrderWhileOtherSagasGoOn() throws Exception {
    int steps = 5;
    Map<UUID, List<String>> trace = new ConcurrentHashMap<>();
    Participant participant =
        fx.start(
            fx.participantWithoutHandlers()
                .concurrency(4)
                .onCommand(
                    FlightService.RESERVE,
                    ReserveFlight.class,
                    (ctx, cmd) -> {
                      List<String> events =
                          trace.computeIfAbsent(
                              ctx.sagaId(), id -> Collections.synchronizedList(new ArrayList<>()));
                      events.add("start " + ctx.step());
                      if (cmd.flight().equals("SLOW")) {
                        slowEntered.countDown();
                        releaseSlow.await(5, TimeUnit.MINUTES);
                      }
                      var outcome = fx.flights.reserve(ctx, cmd);
                      events.add("end " + ctx.step());
                      return outcome;
                    }));
    UUID slowSaga = UUID.randomUUID();
    List<UUID> otherSagas = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      otherSagas.add(UUID.randomUUID());
    }
    // step 1 of the slow saga blocks in its handler; its steps 2..5 come behind it, interleaved
    // with the steps of the other sagas
    fx.send(stepCommand(slowSaga, 1, SLOW_BODY));
    assertThat(slowEntered.await(60, TimeUnit.SECONDS)).isTrue();
    for (int step = 1; step <= steps; step++) {
      if (step > 1) {
        fx.sendAsync(stepCommand(slowSaga, step, BODY));
      }
      for (UUID saga : otherSagas) {
        fx.sendAsync(stepCommand(saga, step, BODY));
      }
    }
    fx.flush();

    int otherCommands = otherSagas.size() * steps;
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(otherCommands);
    assertThat(replies)
        .extracting(ConsumerRecord::key)
        .doesNotContain(slowSaga.toString())
        .hasSize(otherCommands);
    // the slow saga's later steps wait behind its first
    assertThat(trace.get(slowSaga)).containsExactly("start step-1");

    releaseSlow.countDown();
    fx.awaitReplies(otherCommands + steps);
    List<String> expected = new ArrayList<>();
    for (int step = 1; step <= steps; step++) {
      expected.add("start step-" + step);
      expected.add("end step-" + step);
    }
    assertThat(trace.get(slowSaga)).containsExactlyElementsOf(expected);
    for (UUID saga : otherSagas) {
      assertThat(trace.get(saga)).containsExactlyElementsOf(expected);
    }
    assertThat(participant.metrics().handlerRuns()).isEqualTo(otherCommands + steps);
  }

  @Test
  void commandsOfManySagasArrivingTogetherShareFewerTransactionsThanThereAreHandlers()
      throws Exception {
    int sagas = 40;
    int handlers = 8;
    Set<String> sent = new HashSet<>();
    for (int i = 0; i < sagas; i++) {
      UUID saga = UUID.randomUUID();
      sent.add(saga.toString());
      fx.sendAsync(CommandSpec.forward(saga, FlightService.RESERVE, BODY));
    }
    fx.flush();

    // the commands wait in the topic, so the first polls bring them together; a budget far above
    // what the batch needs keeps the count to the take policy alone
    Participant participant =
        fx.start(fx.flightParticipant().concurrency(handlers).batchBudget(Duration.ofSeconds(30)));
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(sagas);

    assertThat(replies).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    ParticipantMetrics metrics = participant.metrics();
    assertThat(metrics.handlerRuns()).isEqualTo(sagas);
    // an idle handler takes every ready lane: a share of the ready lanes per handler would need
    // at least one transaction per handler here
    assertThat(metrics.transactions()).isPositive().isLessThan(handlers);
  }

  @Test
  void aBacklogIsTakenInTransactionsOfFewerCommandsThanPostgresKeepsSubtransactionsFor()
      throws Exception {
    int sagas = 150;
    for (int i = 0; i < sagas; i++) {
      fx.sendAsync(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY));
    }
    fx.flush();

    // the handlers' commands by the transaction they ran in; one handler thread and a long budget
    // leave the batch size to the take limit alone
    Map<Long, AtomicInteger> commandsPerTransaction = new ConcurrentHashMap<>();
    fx.start(
        fx.participantWithoutHandlers()
            .concurrency(1)
            .batchBudget(Duration.ofSeconds(30))
            .onCommand(
                FlightService.RESERVE,
                ReserveFlight.class,
                (ctx, cmd) -> {
                  try (var statement = ctx.connection().createStatement();
                      var rs = statement.executeQuery("SELECT txid_current()")) {
                    rs.next();
                    commandsPerTransaction
                        .computeIfAbsent(rs.getLong(1), t -> new AtomicInteger())
                        .incrementAndGet();
                  }
                  return fx.flights.reserve(ctx, cmd);
                }));
    fx.awaitReplies(sagas);

    List<Integer> sizes = commandsPerTransaction.values().stream().map(AtomicInteger::get).toList();
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(sagas);
    // each command's savepoint is a subtransaction; PostgreSQL caches 64 per transaction
    assertThat(sizes).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(64));
    assertThat(sizes).anySatisfy(n -> assertThat(n).isGreaterThan(1));
  }

  @Test
  void commandInAHandlerIsNotCommittedPastAndIsHandledOnceAfterARestart() throws Exception {
    AtomicBoolean block = new AtomicBoolean(true);
    Participant first = fx.start(participant(block).drainTimeout(Duration.ofMillis(200)));
    // partition 0: one command before the slow one and several after it
    fx.sendTo(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY), 0);
    fx.awaitReplies(1);
    UUID slowSaga = UUID.randomUUID();
    RecordMetadata slow =
        fx.sendTo(CommandSpec.forward(slowSaga, FlightService.RESERVE, SLOW_BODY), 0);
    assertThat(slowEntered.await(60, TimeUnit.SECONDS)).isTrue();
    int after = 5;
    for (int i = 0; i < after; i++) {
      fx.sendTo(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY), 0);
      fx.sendTo(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY), 1);
    }
    fx.awaitReplies(1 + 2 * after);

    // stopping gives up on the command in hand: its handler is interrupted, its work rolled back
    first.close();
    TopicPartition partition0 = new TopicPartition(fx.commandTopic, 0);
    TopicPartition partition1 = new TopicPartition(fx.commandTopic, 1);
    Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(partition0, partition1);
    assertThat(committed.get(partition0).offset()).isEqualTo(slow.offset());
    assertThat(committed.get(partition1).offset()).isEqualTo(after);
    assertThat(fx.count("SELECT count(*) FROM flight_booking WHERE saga_id = '" + slowSaga + "'"))
        .isZero();

    block.set(false);
    Participant second = fx.start(participant(block));
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(1 + 2 * after + 1 + after);
    List<ConsumerRecord<String, byte[]>> slowReplies =
        replies.stream().filter(r -> r.key().equals(slowSaga.toString())).toList();
    assertThat(slowReplies).hasSize(1);
    assertThat(header(slowReplies.get(0), SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    // the slow command ran once; the records after it on its partition were read again and
    // answered from the inbox
    assertThat(second.metrics().handlerRuns()).isOne();
    assertThat(second.metrics().storedOutcomesResent()).isEqualTo(after);
    assertThat(fx.count("SELECT count(*) FROM flight_booking WHERE saga_id = '" + slowSaga + "'"))
        .isOne();
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(2 + 2 * after);
  }

  @Test
  void commandInHandWhenItsPartitionIsRevokedIsAnsweredAgainButRunOnce() throws Exception {
    // eager rebalancing: a second member makes the first give up every partition
    String eager = RangeAssignor.class.getName();
    AtomicBoolean block = new AtomicBoolean(true);
    fx.start(
        participant(block)
            .consumerProperty(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, eager)
            .drainTimeout(Duration.ofMillis(200)));
    UUID slowSaga = UUID.randomUUID();
    fx.sendTo(CommandSpec.forward(slowSaga, FlightService.RESERVE, SLOW_BODY), 0);
    assertThat(slowEntered.await(60, TimeUnit.SECONDS)).isTrue();

    fx.start(
        participant(block)
            .instanceId("second")
            .consumerProperty(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, eager));
    // the group rebalanced: each member owns one partition
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", fx.kafka.bootstrapServers()))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin
                      .describeConsumerGroups(List.of(fx.groupId))
                      .all()
                      .get()
                      .get(fx.groupId)
                      .members()
                      .stream()
                      .filter(m -> !m.assignment().topicPartitions().isEmpty())
                      .count(),
              members -> members == 2);
    }
    // commands of other sagas on both partitions are answered while the slow command is still in
    // its first handler
    int others = 4;
    for (int i = 0; i < others; i++) {
      fx.sendTo(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY), i % 2);
    }
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(others);
    assertThat(replies).extracting(ConsumerRecord::key).doesNotContain(slowSaga.toString());

    releaseSlow.countDown();
    // the revoked partition was committed only up to the slow command, so whoever owns it now
    // reads it again and, after the first handler's transaction, answers it from the inbox
    List<ConsumerRecord<String, byte[]>> slowReplies =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    fx.awaitReplies(others + 2).stream()
                        .filter(r -> r.key().equals(slowSaga.toString()))
                        .toList(),
                found -> found.size() >= 2);
    assertThat(slowReplies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(slowReplies)
        .extracting(ParticipantFixture::body)
        .containsOnly(ParticipantFixture.body(slowReplies.get(0)));
    assertThat(slowRuns).hasValue(1);
    assertThat(fx.count("SELECT count(*) FROM flight_booking WHERE saga_id = '" + slowSaga + "'"))
        .isOne();
  }

  private static CommandSpec stepCommand(UUID saga, int step, String body) {
    return new CommandSpec(
        saga,
        "step-" + step,
        Phase.FORWARD,
        1,
        UUID.randomUUID().toString(),
        FlightService.RESERVE,
        body,
        null);
  }

  private Map<TopicPartition, OffsetAndMetadata> committedOffsets(TopicPartition... partitions) {
    try (KafkaConsumer<String, byte[]> reader =
        new KafkaConsumer<>(fx.kafka.consumerConfig(fx.groupId))) {
      return reader.committed(Set.of(partitions), Duration.ofSeconds(30));
    }
  }
}
