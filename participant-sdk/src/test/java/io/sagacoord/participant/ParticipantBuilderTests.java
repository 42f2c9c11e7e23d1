package io.sagacoord.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.participant.flight.ReserveFlight;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParticipantBuilderTests {

  @Test
  void rejectsANameThatCannotFormATopicAndNamesIt() {
    assertThatThrownBy(() -> Participant.builder("Flight Service"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Flight Service");
  }

  @Test
  void rejectsKafkaSettingsWithoutBootstrapServers() {
    assertThatThrownBy(() -> Participant.builder("flight-service").kafka(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void rejectsACommandTypeRegisteredTwice() {
    Participant.Builder builder =
        Participant.builder("flight-service")
            .onCommand("flight.reserve", ReserveFlight.class, (ctx, cmd) -> Outcome.done());
    assertThatThrownBy(
            () ->
                builder.onCompensation(
                    "flight.reserve", ReserveFlight.class, (ctx, cmd) -> Outcome.done()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flight.reserve");
  }

  @Test
  void rejectsBadNumbersNamingTheField() {
    Participant.Builder builder = Participant.builder("flight-service");
    assertThatThrownBy(() -> builder.consumerThreads(0)).hasMessageContaining("consumerThreads");
    assertThatThrownBy(() -> builder.concurrency(0)).hasMessageContaining("concurrency");
    assertThatThrownBy(() -> builder.heartbeatInterval(Duration.ZERO))
        .hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> builder.drainTimeout(Duration.ZERO))
        .hasMessageContaining("drainTimeout");
    assertThatThrownBy(() -> builder.batchBudget(Duration.ZERO))
        .hasMessageContaining("batchBudget");
    assertThatThrownBy(() -> builder.inboxRetention(Duration.ZERO))
        .hasMessageContaining("inboxRetention");
    assertThatThrownBy(() -> builder.commandTopic("bad topic")).hasMessageContaining("bad topic");
  }

  @Test
  void buildNamesTheMissingPart() {
    assertThatThrownBy(
            () ->
                Participant.builder("flight-service")
                    .kafka(Map.of("bootstrap.servers", "localhost:1"))
                    .onCommand("flight.reserve", ReserveFlight.class, (c, x) -> Outcome.done())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dataSource");
  }

  @Test
  void
      fenceRetentionShorterThanTheInboxRetentionIsRejectedAndALongInboxRetentionRaisesTheDefault() {
    Participant.Builder builder =
        Participant.builder("flight-service")
            .kafka(Map.of("bootstrap.servers", "localhost:1"))
            .dataSource(new org.postgresql.ds.PGSimpleDataSource())
            .onCommand("flight.reserve", ReserveFlight.class, (c, x) -> Outcome.done());
    assertThatThrownBy(() -> builder.fenceRetention(Duration.ZERO))
        .hasMessageContaining("fenceRetention");
    builder.inboxRetention(Duration.ofDays(60));
    // no fence retention given: the default 30 days is raised to the inbox retention
    assertThat(builder.build()).isNotNull();
    builder.fenceRetention(Duration.ofDays(59));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fenceRetention")
        .hasMessageContaining("inboxRetention");
  }

  @Test
  void defaultsTheTopicsFromTheParticipantName() {
    Participant participant =
        Participant.builder("flight-service")
            .kafka(Map.of("bootstrap.servers", "localhost:1"))
            .dataSource(new org.postgresql.ds.PGSimpleDataSource())
            .onCommand("flight.reserve", ReserveFlight.class, (c, x) -> Outcome.done())
            .build();
    assertThat(participant.commandTopic()).isEqualTo("saga.flight-service.commands");
    assertThat(participant.deadLetterTopic()).isEqualTo("saga.flight-service.dlq");
  }

  @Test
  void localRetryBackoffDoublesUpToItsCap() {
    LocalRetryPolicy policy =
        new LocalRetryPolicy(5, Duration.ofMillis(50), Duration.ofMillis(150));
    assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoffAfter(3)).isEqualTo(Duration.ofMillis(150));
    assertThatThrownBy(() -> new LocalRetryPolicy(0, Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("maxRuns");
  }

  @Test
  void businessFailureNeedsAReason() {
    assertThatThrownBy(() -> Outcome.businessFailure(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reason");
  }
}
