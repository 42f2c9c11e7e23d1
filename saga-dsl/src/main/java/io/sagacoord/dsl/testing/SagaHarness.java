package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.JsonCodec;
import io.sagacoord.dsl.engine.LogEntry;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.dsl.engine.SagaEvent.ParticipantAvailable;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StartAdmission;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Given/expect testing of a saga definition, with the real engine and a settable clock:
 *
 * <pre>{@code
 * SagaHarness.given(trip)
 *     .start(new TripData(...))
 *     .expectCommand("flight-service", "BookFlight").replySuccess(new FlightBooked("F-1"))
 *     .expectCommand("hotel-service", "BookHotel").replyBusinessFailure(new NoRoom("full"))
 *     .expectCompensation("flight-service", "CancelFlight").replySuccess()
 *     .expectStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * The one-argument {@link #given(SagaDefinition)} finds the {@link JsonCodec} through {@link
 * ServiceLoader}: add {@code io.sagacoord:saga-json-jackson} (test scope) and it is found; {@link
 * #given(SagaDefinition, JsonCodec)} takes any codec.
 *
 * <p>Outages are scripted before the start: {@link #givenNoLiveInstance(String)} (or {@link
 * #givenUnavailable(String, String)} for another reason) makes the start go through the same rule
 * as the coordinator's door: a definition that refuses such starts ({@code
 * whenFirstParticipantUnavailable(REFUSE)}, or the coordinator default set with {@link
 * #withCoordinatorDefault(StartWhenUnavailable)}) is refused, which {@link #expectStartRefused()}
 * checks; one that accepts starts and its command waits. A start whose data breaks the definition's
 * {@code validate} rules is rejected, which {@link #expectStartRejected(String...)} checks.
 *
 * <p>Defaults: the clock starts at 2030-01-01T00:00:00Z and the saga id is {@code
 * 00000000-0000-0000-0000-000000000001}. Every event fed to the engine is recorded with its time,
 * so {@link #expectReplayReproducesState()} can check that the log replays to the same state.
 *
 * <p>{@link #participantUnavailable(String)} and {@link #participantAvailable(String)} script a
 * participant's circuit breaker, to test what the saga does while a participant is down.
 *
 * @param <D> the saga data type
 */
public final class SagaHarness<D> {

  /** Default start of the clock. */
  public static final Instant DEFAULT_START = Instant.parse("2030-01-01T00:00:00Z");

  /** Default saga id. */
  public static final UUID DEFAULT_SAGA_ID = new UUID(0, 1);

  private final SagaDefinition<D> definition;
  private final JsonCodec codec;
  private final SettableClock clock;
  private final StartDoor door = new StartDoor();
  private final SagaRun run;
  private final RunAssertions assertions;
  private UUID sagaId = DEFAULT_SAGA_ID;

  private SagaHarness(SagaDefinition<D> definition, JsonCodec codec) {
    this.definition = Objects.requireNonNull(definition, "definition must not be null");
    this.codec = Objects.requireNonNull(codec, "codec must not be null");
    this.clock = new SettableClock(DEFAULT_START);
    this.run = new SagaRun(definition, codec);
    this.assertions = new RunAssertions(run);
  }

  /**
   * A harness for one saga of the definition, with the codec found through {@link ServiceLoader}.
   *
   * @throws IllegalStateException if no {@link JsonCodec} (or more than one) is on the class path;
   *     the message names {@code io.sagacoord:saga-json-jackson}, the module that provides one
   */
  public static <D> SagaHarness<D> given(SagaDefinition<D> definition) {
    return new SagaHarness<>(definition, CodecDiscovery.discover());
  }

  /** A harness for one saga of the definition; data passes through {@code codec}. */
  public static <D> SagaHarness<D> given(SagaDefinition<D> definition, JsonCodec codec) {
    return new SagaHarness<>(definition, codec);
  }

  /** Uses another saga id (before {@link #start}). */
  public SagaHarness<D> withSagaId(UUID id) {
    requireNotStarted();
    this.sagaId = Objects.requireNonNull(id, "id must not be null");
    return this;
  }

  /** Starts the clock elsewhere (before {@link #start}). */
  public SagaHarness<D> startingAt(Instant instant) {
    requireNotStarted();
    clock.setInstant(instant);
    return this;
  }

  /**
   * Scripts that {@code participant} has no live instance (every instance missed its heartbeats). A
   * start whose first command goes to it is refused or waits, as the definition says.
   */
  public SagaHarness<D> givenNoLiveInstance(String participant) {
    return givenUnavailable(participant, "participant " + participant + " has no live instance");
  }

  /** Scripts that {@code participant} cannot take commands, for {@code reason}. */
  public SagaHarness<D> givenUnavailable(String participant, String reason) {
    door.unavailable(
        Objects.requireNonNull(participant, "participant must not be null"),
        Objects.requireNonNull(reason, "reason must not be null"));
    return this;
  }

  /** Scripts that {@code participant} has a live instance again (undoes an outage). */
  public SagaHarness<D> givenLiveInstance(String participant) {
    door.live(participant);
    return this;
  }

  /**
   * The coordinator's policy for definitions that set none ({@code sec.liveness.when-unavailable});
   * default {@link StartWhenUnavailable#ACCEPT_AND_WAIT}, as the coordinator's.
   */
  public SagaHarness<D> withCoordinatorDefault(StartWhenUnavailable policy) {
    requireNotStarted();
    door.coordinatorDefault(Objects.requireNonNull(policy, "policy must not be null"));
    return this;
  }

  /**
   * Starts the saga with the data, encoded through the codec, as the coordinator does: the data is
   * checked against the definition's {@code validate} rules, then the start is admitted or refused
   * by the scripted outages. A rejected or refused start leaves no saga; see {@link
   * #expectStartRejected(String...)} and {@link #expectStartRefused()}.
   */
  public SagaHarness<D> start(D data) {
    requireNotStarted();
    String json = codec.encode(data);
    Instant at = clock.instant();
    door.pass(definition, () -> run.validatedStart(sagaId, json, at))
        .ifPresent(started -> run.begin(sagaId, started, json, at));
    return this;
  }

  /**
   * Asserts that the start was refused at the door because a participant of its first commands is
   * unavailable; nothing was started.
   */
  public SagaHarness<D> expectStartRefused() {
    door.expectRefused(run.started());
    return this;
  }

  /** Asserts that the start was refused because {@code participant} is unavailable. */
  public SagaHarness<D> expectStartRefusedFor(String participant) {
    door.expectRefusedFor(participant, run.started());
    return this;
  }

  /** The refusal of the start, if it was refused. */
  public Optional<StartAdmission.Refusal> refusal() {
    return door.refusal();
  }

  /**
   * Asserts that the start was rejected by the definition's {@code validate} rules with exactly
   * these violations, in order (none given: with any).
   */
  public SagaHarness<D> expectStartRejected(String... expected) {
    door.expectRejected(List.of(expected), run.started());
    return this;
  }

  // ------------------------------------------------------------------ expectations

  /**
   * Takes the oldest sent, not yet expected forward command to the participant with that type.
   *
   * @throws AssertionError if there is none
   */
  public SentCommand<D> expectCommand(String participant, String commandType) {
    return expect(participant, commandType, Phase.FORWARD);
  }

  /** Like {@link #expectCommand} for a compensation command. */
  public SentCommand<D> expectCompensation(String participant, String commandType) {
    return expect(participant, commandType, Phase.COMPENSATE);
  }

  private SentCommand<D> expect(String participant, String commandType, Phase phase) {
    requireStarted();
    return new SentCommand<>(this, assertions.expectCommand(participant, commandType, phase));
  }

  /** Asserts that every command sent so far has been expected. */
  public SagaHarness<D> expectNoCommand() {
    requireStarted();
    assertions.expectNoCommand();
    return this;
  }

  /** Asserts the saga status. */
  public SagaHarness<D> expectStatus(SagaStatus status) {
    requireStarted();
    assertions.expectStatus(status);
    return this;
  }

  /** Asserts that the status reason contains the text. */
  public SagaHarness<D> expectStatusReasonContaining(String text) {
    requireStarted();
    assertions.expectStatusReasonContaining(text);
    return this;
  }

  /** Asserts one step's status. */
  public SagaHarness<D> expectStepStatus(String step, StepStatus status) {
    requireStarted();
    assertions.expectStepStatus(step, status);
    return this;
  }

  /** Hands the current saga data (decoded through the codec) to an assertion. */
  public SagaHarness<D> expectData(Consumer<? super D> assertion) {
    assertion.accept(data());
    return this;
  }

  /**
   * Asserts the steps whose compensation was sent, in the order of their first compensation
   * attempt, are exactly these.
   */
  public SagaHarness<D> expectCompensationOrder(String... steps) {
    assertions.expectCompensationOrder(List.of(steps));
    return this;
  }

  /**
   * Replays the recorded events through a fresh engine from the same start and asserts the state
   * equals the current one.
   */
  public SagaHarness<D> expectReplayReproducesState() {
    requireStarted();
    assertions.expectReplayReproducesState();
    return this;
  }

  // ------------------------------------------------------------------ time and operators

  /**
   * Moves the clock, firing every timer that comes due on the way, each at its due time, in order.
   */
  public SagaHarness<D> advance(Duration duration) {
    return advanceTo(clock.instant().plus(duration));
  }

  /** Moves the clock to an instant, firing due timers on the way. */
  public SagaHarness<D> advanceTo(Instant target) {
    requireStarted();
    while (true) {
      ScheduleTimer next = run.takeTimerDueBy(target).orElse(null);
      if (next == null) {
        break;
      }
      if (next.dueAt().isAfter(clock.instant())) {
        clock.setInstant(next.dueAt());
      }
      feed(new TimerFired(next.kind(), next.step(), next.phase(), next.attempt()));
    }
    clock.setInstant(target);
    return this;
  }

  // ------------------------------------------------------------------ participant circuits

  /**
   * Scripts the participant's circuit as open: from now on the engine sends it nothing, and a step
   * whose command is due waits for it ({@code PARTICIPANT_WAIT}) while its timeout and the saga
   * deadline keep running. Call before {@link #start} for a participant that is down from the
   * beginning.
   */
  public SagaHarness<D> participantUnavailable(String participant) {
    run.openCircuit(Objects.requireNonNull(participant, "participant must not be null"));
    return this;
  }

  /**
   * Scripts the participant's circuit as closed again: the coordinator's {@code
   * ParticipantAvailable} event is fed (once the saga has started), so steps waiting for it send
   * their commands.
   */
  public SagaHarness<D> participantAvailable(String participant) {
    run.closeCircuit(Objects.requireNonNull(participant, "participant must not be null"));
    if (run.started()) {
      feed(new ParticipantAvailable(participant));
    }
    return this;
  }

  /** An operator retries a step (null: every stuck step). */
  public SagaHarness<D> operatorRetry(String step) {
    feed(new OperatorRetryStep(step, "test-operator", "test"));
    return this;
  }

  /** An operator forces compensation. */
  public SagaHarness<D> operatorForceCompensation() {
    feed(new OperatorForceCompensation("test-operator", "test"));
    return this;
  }

  /** An operator resolves a FAILED saga. */
  public SagaHarness<D> operatorResolve() {
    feed(new OperatorResolve("test-operator", "test"));
    return this;
  }

  /** Feeds any event at the current time and returns the engine's transition. */
  public Transition feed(SagaEvent event) {
    requireStarted();
    return run.feed(event, clock.instant());
  }

  SagaHarness<D> reply(SendCommand c, ReplyOutcome outcome, String body) {
    feed(new ReplyReceived(c.step(), c.phase(), c.attempt(), c.commandId(), outcome, body));
    return this;
  }

  // ------------------------------------------------------------------ accessors

  public SagaState state() {
    requireStarted();
    return run.state();
  }

  /** The current saga data decoded through the codec. */
  public D data() {
    requireStarted();
    return codec.decode(run.state().dataJson(), definition.dataType());
  }

  /** Every log entry so far. */
  public List<LogEntry> log() {
    return run.log();
  }

  /** Every command sent so far, in order. */
  public List<SendCommand> sentCommands() {
    return run.sent();
  }

  /** Timers currently pending. */
  public List<ScheduleTimer> pendingTimers() {
    return run.timers();
  }

  /** Every transition so far, the start first. */
  public List<Transition> transitions() {
    return run.transitions();
  }

  /** The latest transition. */
  public Transition lastTransition() {
    return run.lastTransition();
  }

  public SettableClock clock() {
    return clock;
  }

  public Instant now() {
    return clock.instant();
  }

  JsonCodec codec() {
    return codec;
  }

  private void requireStarted() {
    door.requireAdmitted();
    if (!run.started()) {
      throw new IllegalStateException("call start(data) first");
    }
  }

  private void requireNotStarted() {
    if (run.started() || door.turnedAway()) {
      throw new IllegalStateException("the saga has already started");
    }
  }
}
