package io.sagacoord.participant;

import static io.sagacoord.participant.ParticipantFixture.body;
import static io.sagacoord.participant.ParticipantFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbox rules against a real Postgres and a real Kafka broker. */
@SagaInfraTest
class ParticipantInboxIntegrationTests {
  private static final String RESERVE_BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";
  private static final String CANCEL_BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";

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
  void sameCommandDeliveredFiveTimesHasOneEffectAndFiveIdenticalReplies() throws Exception {
    Participant participant = fx.start(fx.flightParticipant());
    UUID saga = UUID.randomUUID();
    CommandSpec command = CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY);

    for (int i = 0; i < 5; i++) {
      fx.send(command);
    }

    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(5);
    assertThat(replies).hasSize(5);
    assertThat(replies).extracting(ParticipantFixture::body).containsOnly(body(replies.get(0)));
    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(replies)
        .extracting(r -> header(r, SagaHeaders.COMMAND_ID))
        .containsOnly(command.commandId());
    assertThat(replies).extracting(ConsumerRecord::key).containsOnly(saga.toString());
    assertThat(body(replies.get(0))).contains("\"flight\":\"LX318\"");
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
    assertThat(fx.flights.reserveRuns).hasValue(1);
    assertThat(participant.metrics().storedOutcomesResent()).isEqualTo(4);
  }

  @Test
  void newerAttemptsGetTheStoredOutcomeAndAnOlderAttemptIsThenRefusedAsStale() throws Exception {
    fx.start(fx.flightParticipant());
    UUID saga = UUID.randomUUID();
    CommandSpec first = CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY);

    fx.send(first);
    fx.send(first.attempt(2));
    fx.send(first.attempt(3));
    List<ConsumerRecord<String, byte[]>> replies = fx.awaitReplies(3);

    assertThat(replies)
        .extracting(r -> header(r, SagaHeaders.ATTEMPT))
        .containsExactly("1", "2", "3");
    assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
    assertThat(replies).extracting(ParticipantFixture::body).containsOnly(body(replies.get(0)));
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
    assertThat(fx.flights.reserveRuns).hasValue(1);

    fx.send(first.attempt(2));
    ConsumerRecord<String, byte[]> stale = fx.awaitReplies(4).get(3);
    assertThat(header(stale, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(header(stale, SagaHeaders.ATTEMPT)).isEqualTo("2");
    assertThat(body(stale)).contains("\"code\":\"STALE_ATTEMPT\"");
    assertThat(fx.flights.reserveRuns).hasValue(1);
  }

  @Test
  void compensationBeforeItsForwardCommandIsANoOpAndTheLateForwardIsRefusedAsFenced()
      throws Exception {
    fx.start(fx.flightParticipant());
    UUID saga = UUID.randomUUID();

    fx.send(CommandSpec.compensation(saga, FlightService.CANCEL, CANCEL_BODY));
    ConsumerRecord<String, byte[]> compensated = fx.awaitReplies(1).get(0);
    assertThat(header(compensated, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(header(compensated, SagaHeaders.PHASE)).isEqualTo("compensate");
    assertThat(fx.flights.cancelRuns).hasValue(0);

    fx.send(CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY));
    ConsumerRecord<String, byte[]> late = fx.awaitReplies(2).get(1);
    assertThat(header(late, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(late)).contains("\"code\":\"FENCED\"");

    // a newer attempt of the late forward command is fenced as well
    fx.send(CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY).attempt(4));
    assertThat(body(fx.awaitReplies(3).get(2))).contains("\"code\":\"FENCED\"");
    assertThat(fx.flights.reserveRuns).hasValue(0);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isZero();
  }

  @Test
  void expiredForwardCommandIsRefusedWithoutRunningTheHandler() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T10:00:00Z"));
    fx.start(fx.flightParticipant().clock(clock));
    UUID saga = UUID.randomUUID();

    fx.send(
        CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY)
            .deadline(clock.instant().minusSeconds(1)));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(reply)).contains("\"code\":\"DEADLINE_PASSED\"");
    assertThat(fx.flights.reserveRuns).hasValue(0);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isZero();
  }

  @Test
  void compensationPastTheSagaDeadlineStillRuns() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T10:00:00Z"));
    fx.start(fx.flightParticipant().clock(clock));
    UUID saga = UUID.randomUUID();
    Instant deadline = clock.instant().plus(Duration.ofMinutes(1));

    fx.send(CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY).deadline(deadline));
    assertThat(header(fx.awaitReplies(1).get(0), SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");

    clock.advance(Duration.ofMinutes(10));
    // even a compensation that (wrongly) carries the passed deadline is not refused
    fx.send(CommandSpec.compensation(saga, FlightService.CANCEL, CANCEL_BODY).deadline(deadline));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(2).get(1);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(fx.flights.cancelRuns).hasValue(1);
    assertThat(fx.count("SELECT count(*) FROM flight_booking WHERE status = 'CANCELLED'"))
        .isEqualTo(1);
  }

  @Test
  void handlerExceptionIsRetriedLocallyThenAnsweredAsTechnicalFailureAndANewerAttemptRunsAgain()
      throws Exception {
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean broken = new AtomicBoolean(true);
    fx.start(
        Participant.builder("flight-service")
            .kafka(java.util.Map.of("bootstrap.servers", fx.kafka.bootstrapServers()))
            .dataSource(fx.db.dataSource())
            .commandTopic(fx.commandTopic)
            .deadLetterTopic(fx.deadLetterTopic)
            .registryTopic(fx.registryTopic)
            .groupId(fx.groupId)
            .pollTimeout(Duration.ofMillis(100))
            .localRetries(new LocalRetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20)))
            .onCommand(
                FlightService.RESERVE,
                io.sagacoord.participant.flight.ReserveFlight.class,
                (ctx, cmd) -> {
                  runs.incrementAndGet();
                  // the work done before the exception must be rolled back with it
                  fx.flights.reserve(ctx, cmd);
                  if (broken.get()) {
                    throw new IllegalStateException("seat inventory unreachable");
                  }
                  return Outcome.success("ok");
                }));
    UUID saga = UUID.randomUUID();
    CommandSpec command = CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY);

    fx.send(command);
    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("TECHNICAL_FAILURE");
    assertThat(body(reply)).contains("seat inventory unreachable").contains("\"code\":null");
    assertThat(runs).hasValue(3);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isZero();

    // the same attempt again gets the stored answer; a newer attempt runs the handler again
    fx.send(command);
    assertThat(header(fx.awaitReplies(2).get(1), SagaHeaders.OUTCOME))
        .isEqualTo("TECHNICAL_FAILURE");
    assertThat(runs).hasValue(3);
    broken.set(false);
    fx.send(command.attempt(2));
    ConsumerRecord<String, byte[]> second = fx.awaitReplies(3).get(2);
    assertThat(header(second, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(runs).hasValue(4);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);
  }

  @Test
  void businessFailureIsAnsweredAtOnceAndItsWorkRolledBack() throws Exception {
    fx.start(fx.flightParticipant());
    UUID saga = UUID.randomUUID();

    fx.send(
        CommandSpec.forward(
            saga, FlightService.RESERVE, "{\"flight\":\"FULL\",\"passenger\":\"Ada\"}"));

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("BUSINESS_FAILURE");
    assertThat(body(reply))
        .isEqualTo("{\"reason\":\"flight FULL has no seat left\",\"code\":\"NO_SEAT\"}");
    assertThat(fx.flights.reserveRuns).hasValue(1);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isZero();
  }

  @Test
  void newerAttemptAfterABusinessFailureRunsTheHandlerAgainAndADuplicateGetsTheStoredFailure()
      throws Exception {
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean full = new AtomicBoolean(true);
    // a handler that fails for business reasons until seats free up
    fx.start(
        Participant.builder("flight-service")
            .kafka(java.util.Map.of("bootstrap.servers", fx.kafka.bootstrapServers()))
            .dataSource(fx.db.dataSource())
            .commandTopic(fx.commandTopic)
            .deadLetterTopic(fx.deadLetterTopic)
            .registryTopic(fx.registryTopic)
            .groupId(fx.groupId)
            .pollTimeout(Duration.ofMillis(100))
            .onCommand(
                FlightService.RESERVE,
                io.sagacoord.participant.flight.ReserveFlight.class,
                (ctx, cmd) -> {
                  runs.incrementAndGet();
                  // written before the failure: must be rolled back with it
                  Outcome<?> booked = fx.flights.reserve(ctx, cmd);
                  return full.get()
                      ? Outcome.businessFailure("no seat left yet", "NO_SEAT")
                      : booked;
                }));
    UUID saga = UUID.randomUUID();
    CommandSpec first = CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY);

    fx.send(first);
    assertThat(header(fx.awaitReplies(1).get(0), SagaHeaders.OUTCOME))
        .isEqualTo("BUSINESS_FAILURE");
    fx.send(first);
    ConsumerRecord<String, byte[]> duplicate = fx.awaitReplies(2).get(1);
    assertThat(header(duplicate, SagaHeaders.OUTCOME)).isEqualTo("BUSINESS_FAILURE");
    assertThat(runs).hasValue(1);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isZero();

    full.set(false);
    CommandSpec second = first.attempt(2);
    fx.send(second);
    ConsumerRecord<String, byte[]> retried = fx.awaitReplies(3).get(2);
    assertThat(header(retried, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(header(retried, SagaHeaders.ATTEMPT)).isEqualTo("2");
    assertThat(runs).hasValue(2);
    assertThat(fx.count("SELECT count(*) FROM flight_booking")).isEqualTo(1);

    // once it succeeded, a newer attempt gets the stored success and never runs again
    fx.send(second.attempt(3));
    ConsumerRecord<String, byte[]> third = fx.awaitReplies(4).get(3);
    assertThat(header(third, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(third)).isEqualTo(body(retried));
    assertThat(runs).hasValue(2);
  }

  @Test
  void repliesRepeatTheCommandsIdentityAndNameTheParticipant() throws Exception {
    fx.start(fx.flightParticipant());
    UUID saga = UUID.randomUUID();
    CommandSpec command = CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY);

    fx.send(command);

    ConsumerRecord<String, byte[]> reply = fx.awaitReplies(1).get(0);
    assertThat(header(reply, SagaHeaders.SAGA_ID)).isEqualTo(saga.toString());
    assertThat(header(reply, SagaHeaders.SAGA_TYPE)).isEqualTo("trip-booking");
    assertThat(header(reply, SagaHeaders.STEP)).isEqualTo("reserve-flight");
    assertThat(header(reply, SagaHeaders.PHASE)).isEqualTo(Phase.FORWARD.wireName());
    assertThat(header(reply, SagaHeaders.ATTEMPT)).isEqualTo("1");
    assertThat(header(reply, SagaHeaders.COMMAND_ID)).isEqualTo(command.commandId());
    assertThat(header(reply, SagaHeaders.MESSAGE_KIND)).isEqualTo("reply");
    assertThat(header(reply, SagaHeaders.PARTICIPANT)).isEqualTo("flight-service");
    assertThat(header(reply, SagaHeaders.DEADLINE)).isNull();
  }

  @Test
  void announcesNameInstanceVersionAndCommandTypesOnTheRegistryTopic() throws Exception {
    fx.start(fx.flightParticipant().version("1.2.3").instanceId("flight-1"));

    ConsumerRecord<String, byte[]> announcement = fx.awaitRecords(fx.registryTopic, 1).get(0);

    assertThat(announcement.key()).isEqualTo("flight-service");
    assertThat(header(announcement, SagaHeaders.MESSAGE_KIND)).isEqualTo("announcement");
    assertThat(body(announcement))
        .contains("\"participant\":\"flight-service\"")
        .contains("\"instance\":\"flight-1\"")
        .contains("\"version\":\"1.2.3\"")
        .contains("\"commandTypes\":[\"flight.reserve\"]")
        .contains("\"compensationTypes\":[\"flight.cancel\"]")
        .contains("\"announcedAt\":\"20")
        .contains("\"heartbeatIntervalMs\":5000");
  }

  @Test
  void sendsHeartbeatsWithItsIntervalAfterTheAnnouncement() throws Exception {
    fx.start(
        fx.flightParticipant().instanceId("flight-1").heartbeatInterval(Duration.ofMillis(50)));

    List<ConsumerRecord<String, byte[]>> records = fx.awaitRecords(fx.registryTopic, 4);

    assertThat(header(records.get(0), SagaHeaders.MESSAGE_KIND)).isEqualTo("announcement");
    assertThat(body(records.get(0))).contains("\"heartbeatIntervalMs\":50");
    ConsumerRecord<String, byte[]> heartbeat = records.get(1);
    assertThat(heartbeat.key()).isEqualTo("flight-service");
    assertThat(header(heartbeat, SagaHeaders.MESSAGE_KIND)).isEqualTo("heartbeat");
    assertThat(header(heartbeat, SagaHeaders.PARTICIPANT)).isEqualTo("flight-service");
    assertThat(body(heartbeat))
        .contains("\"participant\":\"flight-service\"")
        .contains("\"instance\":\"flight-1\"")
        .contains("\"intervalMs\":50")
        .contains("\"sentAt\":\"20");
  }

  @Test
  void purgeRemovesOnlyInboxRowsOlderThanTheRetention() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T10:00:00Z"));
    Participant participant =
        fx.start(fx.flightParticipant().clock(clock).inboxRetention(Duration.ofDays(2)));
    fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, RESERVE_BODY));
    fx.awaitReplies(1);
    clock.advance(Duration.ofDays(1));
    fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, RESERVE_BODY));
    fx.awaitReplies(2);

    clock.advance(Duration.ofDays(1).plusMinutes(1));
    assertThat(participant.purgeInbox()).isEqualTo(1);
    assertThat(fx.count("SELECT count(*) FROM saga_participant_inbox")).isEqualTo(1);
  }

  @Test
  void purgeKeepsAFenceOlderThanTheRetentionUntilTheFenceRetentionHasPassed() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T10:00:00Z"));
    Participant participant =
        fx.start(
            fx.flightParticipant()
                .clock(clock)
                .inboxRetention(Duration.ofDays(2))
                .fenceRetention(Duration.ofDays(10)));
    UUID saga = UUID.randomUUID();
    fx.send(CommandSpec.compensation(saga, FlightService.CANCEL, CANCEL_BODY));
    fx.awaitReplies(1);
    assertThat(fx.count("SELECT count(*) FROM saga_participant_inbox WHERE fence")).isEqualTo(1);

    clock.advance(Duration.ofDays(3));
    // the compensation's own no-op row goes with the retention, the fence stays
    assertThat(participant.purgeInbox()).isEqualTo(1);
    assertThat(fx.count("SELECT count(*) FROM saga_participant_inbox WHERE fence")).isEqualTo(1);
    fx.send(CommandSpec.forward(saga, FlightService.RESERVE, RESERVE_BODY));
    ConsumerRecord<String, byte[]> late = fx.awaitReplies(2).get(1);
    assertThat(header(late, SagaHeaders.OUTCOME)).isEqualTo("REFUSED");
    assertThat(body(late)).contains("\"code\":\"FENCED\"");
    assertThat(fx.flights.reserveRuns).hasValue(0);

    clock.advance(Duration.ofDays(10));
    assertThat(participant.purgeInbox()).isEqualTo(1);
    assertThat(fx.count("SELECT count(*) FROM saga_participant_inbox")).isZero();
  }
}
