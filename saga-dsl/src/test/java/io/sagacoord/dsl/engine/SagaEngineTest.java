package io.sagacoord.dsl.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.TripSaga;
import io.sagacoord.dsl.TripSaga.TripData;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Engine rules not covered through the harness: ids, events as JSON, park/resume, guards. */
class SagaEngineTest {

  private final JacksonJsonCodec codec = new JacksonJsonCodec();
  private final SagaEngine engine = new SagaEngine(codec);
  private final UUID id = UUID.fromString("00000000-0000-0000-0000-000000000042");
  private final Instant t0 = Instant.parse("2030-01-01T00:00:00Z");

  private Transition start() {
    return engine.start(TripSaga.sequential(), id, codec.encode(TripData.of("T", true)), t0);
  }

  @Test
  void startSendsTheFirstCommandWithADerivedIdAndSchedulesTimeoutAndDeadline() {
    Transition t = start();
    assertThat(t.state().status()).isEqualTo(SagaStatus.RUNNING);
    assertThat(t.state().steps())
        .containsOnlyKeys("book-flight", "book-hotel", "rent-car", "charge", "issue-itinerary");
    SendCommand c =
        (SendCommand)
            t.effects().stream().filter(SendCommand.class::isInstance).findFirst().orElseThrow();
    assertThat(c.commandId())
        .isEqualTo(
            start().effects().stream()
                .filter(SendCommand.class::isInstance)
                .map(e -> ((SendCommand) e).commandId())
                .findFirst()
                .orElseThrow());
    assertThat(c.topic()).isEqualTo("saga.flight-service.commands");
    assertThat(t.effects())
        .filteredOn(ScheduleTimer.class::isInstance)
        .extracting(e -> ((ScheduleTimer) e).kind())
        .containsExactlyInAnyOrder(TimerKind.DEADLINE, TimerKind.STEP_TIMEOUT);
    assertThat(t.log().get(0).type()).isEqualTo("SAGA_STARTED");
    assertThat(t.state().deadline()).isEqualTo(t0.plusSeconds(1800));
  }

  @Test
  void undecodableDataIsRejectedAtStart() {
    assertThatThrownBy(() -> engine.start(TripSaga.sequential(), id, "[1,2", t0))
        .isInstanceOf(InvalidSagaDataException.class)
        .hasMessageContaining("trip-booking");
  }

  @Test
  void eventsRoundTripThroughJson() {
    List<SagaEvent> events =
        List.of(
            new ReplyReceived(
                "a",
                Phase.COMPENSATE,
                3,
                UUID.randomUUID(),
                ReplyOutcome.REFUSED,
                "{\"code\":\"FENCED\"}"),
            new ReplyReceived("a", Phase.FORWARD, 1, null, ReplyOutcome.SUCCESS, null),
            new TimerFired(TimerKind.RETRY, "b", Phase.FORWARD, 2),
            new TimerFired(TimerKind.DEADLINE, null, Phase.FORWARD, 0),
            new OperatorRetryStep("c", "ops", "fixed the db"),
            new OperatorRetryStep("ops", null),
            new OperatorForceCompensation("ops", "customer cancelled"),
            new OperatorResolve("ops", "refunded by hand"));
    for (SagaEvent e : events) {
      assertThat(SagaEvents.fromJson(codec, SagaEvents.toJson(e))).isEqualTo(e);
    }
  }

  @Test
  void eventsSpellPhasesAsTheWireDoes() {
    String json =
        SagaEvents.toJson(
            new ReplyReceived("a", Phase.COMPENSATE, 1, null, ReplyOutcome.SUCCESS, null));

    assertThat(json).contains("\"phase\":\"compensate\"").doesNotContain("COMPENSATE");
    assertThat(
            SagaEvents.fromJson(
                codec,
                "{\"type\":\"TimerFired\",\"kind\":\"RETRY\",\"step\":\"b\",\"phase\":\"forward\",\"attempt\":2}"))
        .isEqualTo(new TimerFired(TimerKind.RETRY, "b", Phase.FORWARD, 2));
  }

  @Test
  void parkKeepsThePreviousStatusAndResumeReArmsTheOutstandingTimeout() {
    Transition started = start();
    Transition parked = engine.park(started.state(), "fingerprint mismatch", t0.plusSeconds(1));
    assertThat(parked.state().status()).isEqualTo(SagaStatus.PARKED);
    assertThat(parked.state().statusReason()).isEqualTo("fingerprint mismatch");
    assertThat(parked.state().previousStatus()).isEqualTo(SagaStatus.RUNNING);
    Transition ignored =
        engine.apply(
            TripSaga.sequential(),
            parked.state(),
            new TimerFired(TimerKind.STEP_TIMEOUT, "book-flight", Phase.FORWARD, 1),
            t0);
    assertThat(ignored.disposition()).isEqualTo(Disposition.IGNORED);
    Transition resumed = engine.resume(TripSaga.sequential(), parked.state(), t0.plusSeconds(5));
    assertThat(resumed.state().status()).isEqualTo(SagaStatus.RUNNING);
    assertThat(resumed.effects())
        .contains(
            new ScheduleTimer(
                TimerKind.STEP_TIMEOUT, "book-flight", Phase.FORWARD, 1, t0.plusSeconds(15)));
  }

  @Test
  void operatorActionsOutsideTheirStatesAreRejectedWithTheStateUnchanged() {
    SagaState s = start().state();
    Transition resolve =
        engine.apply(TripSaga.sequential(), s, new OperatorResolve("ops", "x"), t0);
    assertThat(resolve.disposition()).isEqualTo(Disposition.REJECTED);
    assertThat(resolve.state()).isSameAs(s);
    Transition retry =
        engine.apply(TripSaga.sequential(), s, new OperatorRetryStep("ops", "x"), t0);
    assertThat(retry.disposition()).isEqualTo(Disposition.REJECTED);
    Transition unknown =
        engine.apply(TripSaga.sequential(), s, new OperatorRetryStep("nope", "ops", "x"), t0);
    assertThat(unknown.disposition()).isEqualTo(Disposition.REJECTED);
  }

  @Test
  void aDefinitionOfAnotherVersionIsRefused() {
    SagaState s = start().state();
    SagaDefinition<TripData> v2 =
        SagaDefinition.named("trip-booking", TripData.class)
            .version(2)
            .step("x")
            .invoke(ParticipantRef.named("x"), "X", d -> d)
            .noCompensation()
            .build();
    assertThatThrownBy(() -> engine.apply(v2, s, new OperatorResolve("ops", null), t0))
        .isInstanceOf(DefinitionMismatchException.class);
  }

  @Test
  void anExceptionInAConditionAtStartFailsTheSagaInsteadOfThrowing() {
    SagaDefinition<TripData> def =
        SagaDefinition.named("bad-condition", TripData.class)
            .step("a")
            .invoke(ParticipantRef.named("x"), "A", d -> d)
            .noCompensation()
            .when(
                d -> {
                  throw new IllegalArgumentException("oops");
                })
            .build();
    Transition t = engine.start(def, id, codec.encode(TripData.of("T", true)), t0);
    assertThat(t.state().status()).isEqualTo(SagaStatus.FAILED);
    assertThat(t.log())
        .extracting(LogEntry::type)
        .containsExactly("SAGA_STARTED", "DEFINITION_CODE_FAILED", "SAGA_FAILED");
    assertThat(t.effects()).contains(new Effect.SagaEnded(SagaStatus.FAILED));
  }
}
