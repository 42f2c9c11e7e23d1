package io.sagacoord.server.internal.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.server.ParticipantUnavailableException;
import io.sagacoord.server.support.TestClock;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The circuits on their own, with a clock the test moves: what counts as a failure, when a circuit
 * opens, refuses starts and commands, half-opens, and follows another coordinator.
 */
class ParticipantCircuitsTest {

  private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final SagaDefinition<TestData> trip = TestSagas.trip("unit");

  private ParticipantCircuits circuits(Map<String, CircuitProperties.StartWhenOpen> byType) {
    CircuitProperties properties =
        new CircuitProperties(
            true,
            50,
            CircuitProperties.WindowType.COUNT_BASED,
            4,
            4,
            Duration.ofSeconds(30),
            1,
            Duration.ofMinutes(2),
            true,
            CircuitProperties.StartWhenOpen.REFUSE,
            byType,
            Duration.ofSeconds(1),
            200,
            Map.of(
                "p-s2",
                new CircuitProperties.Participant(
                    null, null, null, 2, Duration.ofSeconds(5), null, null)));
    return new ParticipantCircuits(properties, clock, new SimpleMeterRegistry());
  }

  private static SagaEvent reply(String step, Phase phase, ReplyOutcome outcome) {
    return new SagaEvent.ReplyReceived(step, phase, 1, null, outcome, "{}");
  }

  private static final Transition NONE = null;

  @Test
  void businessFailuresAndRefusedUndosAreAnswersWhileTechnicalFailuresOpenTheCircuit() {
    ParticipantCircuits circuits = circuits(Map.of());
    circuits.observe(trip, reply("s1", Phase.FORWARD, ReplyOutcome.BUSINESS_FAILURE), NONE);
    circuits.observe(trip, reply("s1", Phase.COMPENSATE, ReplyOutcome.REFUSED), NONE);
    circuits.observe(trip, reply("s1", Phase.FORWARD, ReplyOutcome.SUCCESS), NONE);
    circuits.observe(trip, reply("s1", Phase.FORWARD, ReplyOutcome.TECHNICAL_FAILURE), NONE);
    assertThat(circuits.view("p-s1").state()).isEqualTo("CLOSED");
    assertThat(circuits.view("p-s1").failedCalls()).isEqualTo(1);

    circuits.observe(trip, reply("s1", Phase.FORWARD, ReplyOutcome.TECHNICAL_FAILURE), NONE);
    circuits.observe(trip, reply("s1", Phase.FORWARD, ReplyOutcome.REFUSED), NONE);
    assertThat(circuits.view("p-s1").state()).isEqualTo("OPEN");
    assertThat(circuits.view("p-s1").openUntil()).isEqualTo(clock.instant().plusSeconds(30));
    assertThat(circuits.mayCall("p-s1")).isFalse();
    assertThat(circuits.view("p-s1").commandsHeld()).isEqualTo(1);
    assertThat(circuits.mayCall("p-s2")).isTrue();
  }

  @Test
  void anOpenCircuitRefusesStartsUntilItHalfOpensAndOneTrialDecides() {
    ParticipantCircuits circuits = circuits(Map.of());
    for (int i = 0; i < 4; i++) {
      circuits.record("p-s1", true);
    }
    assertThatThrownBy(() -> circuits.checkStart(trip))
        .isInstanceOf(ParticipantUnavailableException.class)
        .hasMessageContaining("p-s1")
        .satisfies(
            e ->
                assertThat(((ParticipantUnavailableException) e).retryAfter())
                    .isEqualTo(Duration.ofSeconds(30)));

    clock.advance(Duration.ofSeconds(29));
    circuits.halfOpenDue();
    assertThat(circuits.view("p-s1").state()).isEqualTo("OPEN");
    assertThat(circuits.mayRelease("p-s1")).isFalse();

    clock.advance(Duration.ofSeconds(1));
    circuits.halfOpenDue();
    assertThat(circuits.view("p-s1").state()).as("at the reset timeout").isEqualTo("OPEN");

    clock.advance(Duration.ofNanos(1_000));
    assertThat(circuits.mayRelease("p-s1")).isTrue();
    circuits.halfOpenDue();
    assertThat(circuits.view("p-s1").state()).isEqualTo("HALF_OPEN");
    circuits.checkStart(trip); // half-open: accepted
    assertThat(circuits.mayCall("p-s1")).isTrue();
    assertThat(circuits.mayCall("p-s1")).as("one trial only").isFalse();
    circuits.record("p-s1", false);
    assertThat(circuits.view("p-s1").state()).isEqualTo("CLOSED");
    assertThat(circuits.drainChanges())
        .extracting(ParticipantCircuits.Change::state)
        .containsExactly("OPEN", "CLOSED");
  }

  @Test
  void aSagaTypeSetToWaitIsStartedWhileItsFirstParticipantIsOpen() {
    ParticipantCircuits circuits =
        circuits(Map.of(TestSagas.TRIP, CircuitProperties.StartWhenOpen.WAIT));
    for (int i = 0; i < 4; i++) {
      circuits.record("p-s1", true);
    }
    circuits.checkStart(trip);
    assertThat(circuits.view("p-s1").state()).isEqualTo("OPEN");
  }

  @Test
  void perParticipantSettingsOverrideTheDefaults() {
    ParticipantCircuits circuits = circuits(Map.of());
    circuits.record("p-s2", true);
    circuits.record("p-s2", true);
    assertThat(circuits.view("p-s2").state()).isEqualTo("OPEN");
    assertThat(circuits.view("p-s2").since()).isEqualTo(clock.instant());
    assertThat(circuits.view("p-s2").openUntil()).isEqualTo(clock.instant().plusSeconds(5));
  }

  @Test
  void followsAnotherCoordinatorWithoutSharingTheChangeBack() {
    ParticipantCircuits circuits = circuits(Map.of());
    Instant until = clock.instant().plusSeconds(12);
    Instant openedElsewhere = clock.instant().minusSeconds(3);
    assertThat(circuits.view("p-s3").since()).isNull();
    circuits.follow("p-s3", "OPEN", until, openedElsewhere);
    assertThat(circuits.view("p-s3").state()).isEqualTo("OPEN");
    assertThat(circuits.view("p-s3").since()).isEqualTo(openedElsewhere);
    assertThat(circuits.view("p-s3").openUntil()).isEqualTo(until);
    assertThat(circuits.mayCall("p-s3")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    Instant closedElsewhere = clock.instant();
    circuits.follow("p-s3", "CLOSED", null, closedElsewhere);
    assertThat(circuits.view("p-s3").state()).isEqualTo("CLOSED");
    assertThat(circuits.view("p-s3").since()).isEqualTo(closedElsewhere);
    assertThat(circuits.drainChanges()).isEmpty();
    assertThat(circuits.mayCall("p-s3")).isTrue();
  }
}
