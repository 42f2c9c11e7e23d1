package io.sagacoord.server.internal.circuit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StepDefinition;
import io.sagacoord.dsl.engine.LogEntryType;
import io.sagacoord.dsl.engine.ParticipantGate;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.TimerKind;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.server.ParticipantUnavailableException;
import io.sagacoord.server.internal.pipeline.TransitionObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

/**
 * The circuit breaker of every participant, on resilience4j's {@link CircuitBreaker}: the engine's
 * {@link ParticipantGate} (no command goes to a participant whose circuit is open; a half-open one
 * lets a few trial commands through), the outcomes that feed it (technical failures, step timeouts
 * and, if so set, refusals count as failures; answers, business failures included, as successes;
 * the event pipeline reports each as a {@link TransitionObserver}), and the check that refuses a
 * start whose first step needs an open participant. Time is the coordinator's {@link Clock}. What
 * the circuits of other coordinators do arrives through {@link CircuitSync}.
 */
@Component
public class ParticipantCircuits implements ParticipantGate, TransitionObserver {

  private static final Log log = LogFactory.getLog(ParticipantCircuits.class);

  /** The fault recorded for a failed call: the circuit only counts it, so it has no stack. */
  private static final Exception FAILURE = new ParticipantFault();

  /** A change of one circuit that this coordinator made and the others are to learn. */
  record Change(String participant, String state, Instant openUntil, Instant at) {}

  /**
   * What {@code GET /api/participants} shows of one circuit: its state, since when (null: closed
   * since this coordinator started), and for an open one when it half-opens.
   */
  public record CircuitView(
      String state,
      Instant since,
      Instant openUntil,
      float failureRate,
      int bufferedCalls,
      int failedCalls,
      long commandsHeld) {}

  private final CircuitProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();
  private final Queue<Change> changes = new ConcurrentLinkedQueue<>();

  /** Grows with every refused command and every change of a circuit: sagas may wait anew. */
  private final AtomicLong activity = new AtomicLong();

  /** True on the thread that applies another coordinator's change: not shared back. */
  private final ThreadLocal<Boolean> following = ThreadLocal.withInitial(() -> false);

  private final class Circuit {
    final CircuitBreaker breaker;
    final AtomicLong held = new AtomicLong();
    volatile Instant openUntil;

    /** When the circuit entered its state; null while it has been closed from the start. */
    volatile Instant since;

    Circuit(String participant) {
      CircuitProperties.Participant s = properties.settingsFor(participant);
      CircuitBreakerConfig config =
          CircuitBreakerConfig.custom()
              .failureRateThreshold(s.failureRateThreshold())
              .slidingWindow(
                  s.slidingWindowSize(),
                  s.minimumCalls(),
                  s.slidingWindowType() == CircuitProperties.WindowType.TIME_BASED
                      ? SlidingWindowType.TIME_BASED
                      : SlidingWindowType.COUNT_BASED)
              .waitDurationInOpenState(s.waitInOpen())
              .permittedNumberOfCallsInHalfOpenState(s.permittedCallsInHalfOpen())
              .maxWaitDurationInHalfOpenState(s.maxWaitInHalfOpen())
              .automaticTransitionFromOpenToHalfOpenEnabled(false)
              .clock(clock)
              .build();
      breaker = CircuitBreaker.of(participant, config);
      Duration waitInOpen = s.waitInOpen();
      breaker
          .getEventPublisher()
          .onStateTransition(
              e -> {
                CircuitBreaker.State to = e.getStateTransition().getToState();
                Instant now = clock.instant();
                activity.incrementAndGet();
                since = now;
                if (to == CircuitBreaker.State.OPEN) {
                  if (!following.get()) {
                    openUntil = now.plus(waitInOpen);
                  }
                } else if (to == CircuitBreaker.State.CLOSED) {
                  openUntil = null;
                }
                log.info(
                    "Circuit of participant "
                        + participant
                        + ": "
                        + e.getStateTransition().getFromState()
                        + " -> "
                        + to
                        + (following.get() ? " (as another coordinator decided)" : ""));
                if (!following.get()
                    && (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.CLOSED)) {
                  changes.add(new Change(participant, to.name(), openUntil, now));
                }
              });
      Gauge.builder("sec.circuit.state", breaker, b -> stateCode(b.getState()))
          .description("state of the participant's circuit: 0 closed, 1 half-open, 2 open")
          .baseUnit("state")
          .tag("participant", participant)
          .register(meters);
      Gauge.builder("sec.circuit.failure.rate", breaker, b -> b.getMetrics().getFailureRate())
          .description(
              "failure rate in the circuit's sliding window; -1 while it holds fewer outcomes than"
                  + " the minimum")
          .baseUnit("percent")
          .tag("participant", participant)
          .register(meters);
      Gauge.builder(
              "sec.circuit.window.calls", breaker, b -> b.getMetrics().getNumberOfBufferedCalls())
          .description("outcomes in the circuit's sliding window")
          .baseUnit("calls")
          .tag("participant", participant)
          .register(meters);
      Gauge.builder(
              "sec.circuit.window.failed.calls",
              breaker,
              b -> b.getMetrics().getNumberOfFailedCalls())
          .description("failed outcomes in the circuit's sliding window")
          .baseUnit("calls")
          .tag("participant", participant)
          .register(meters);
      FunctionCounter.builder("sec.circuit.commands.held", held, AtomicLong::get)
          .description("commands not sent because the participant's circuit refused them")
          .baseUnit("commands")
          .tag("participant", participant)
          .register(meters);
    }
  }

  public ParticipantCircuits(CircuitProperties properties, Clock clock, MeterRegistry meters) {
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
  }

  private static int stateCode(CircuitBreaker.State state) {
    return switch (state) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 1;
      case OPEN, FORCED_OPEN -> 2;
    };
  }

  private Circuit circuit(String participant) {
    return circuits.computeIfAbsent(participant, Circuit::new);
  }

  /** Whether circuits are kept ({@code sec.circuit.enabled}). */
  public boolean enabled() {
    return properties.enabled();
  }

  // ------------------------------------------------------------------ the gate

  @Override
  public boolean mayCall(String participant) {
    if (!properties.enabled()) {
      return true;
    }
    Circuit circuit = circuit(participant);
    if (circuit.breaker.tryAcquirePermission()) {
      return true;
    }
    circuit.held.incrementAndGet();
    activity.incrementAndGet();
    return false;
  }

  /**
   * Whether the participant's circuit may let commands through now: closed, half-open, or open with
   * its reset timeout passed (the next ask half-opens it).
   */
  boolean mayRelease(String participant) {
    if (!properties.enabled()) {
      return true;
    }
    Circuit circuit = circuit(participant);
    CircuitBreaker.State state = circuit.breaker.getState();
    if (state != CircuitBreaker.State.OPEN) {
      return true;
    }
    Instant until = circuit.openUntil;
    // resilience4j half-opens once its clock is past the reset timeout
    return until == null || clock.instant().isAfter(until);
  }

  /**
   * Half-opens every open circuit whose reset timeout has passed, whether or not a command waits
   * for it: a trial command that another coordinator sent may be answered here, and a circuit
   * counts answers only once it is half-open.
   */
  void halfOpenDue() {
    if (!properties.enabled()) {
      return;
    }
    Instant now = clock.instant();
    for (Circuit circuit : circuits.values()) {
      Instant until = circuit.openUntil;
      if (circuit.breaker.getState() == CircuitBreaker.State.OPEN
          && until != null
          && now.isAfter(until)
          && circuit.breaker.tryAcquirePermission()) {
        // the ask moved it to half-open; the permission is not used here
        circuit.breaker.releasePermission();
      }
    }
  }

  /**
   * A number that grows whenever a saga may have started to wait or a circuit changed: while it
   * stays the same, a search that found no waiting saga need not be repeated.
   */
  long activity() {
    return activity.get();
  }

  /** How many trial commands a half-open circuit of the participant lets through. */
  int releaseLimit(String participant) {
    if (circuit(participant).breaker.getState() == CircuitBreaker.State.CLOSED) {
      return properties.releaseBatch();
    }
    return properties.settingsFor(participant).permittedCallsInHalfOpen();
  }

  // ------------------------------------------------------------------ outcomes

  /**
   * Feeds the circuit of the participant an event answered or timed out: a reply (whatever its
   * transition) or a step timeout the engine applied.
   */
  @Override
  public void observe(SagaDefinition<?> def, SagaEvent event, Transition transition) {
    if (!properties.enabled()) {
      return;
    }
    if (event instanceof SagaEvent.ReplyReceived reply) {
      participantOf(def, reply.step())
          .ifPresent(p -> record(p, isFailure(reply.outcome(), reply.phase())));
    } else if (event instanceof SagaEvent.TimerFired timer
        && timer.kind() == TimerKind.STEP_TIMEOUT
        && transition.applied()
        && transition.log().stream()
            .anyMatch(e -> e.type().equals(LogEntryType.ATTEMPT_TIMED_OUT.stored()))) {
      participantOf(def, timer.step()).ifPresent(p -> record(p, true));
    }
  }

  private boolean isFailure(ReplyOutcome outcome, Phase phase) {
    return switch (outcome) {
      case SUCCESS, BUSINESS_FAILURE -> false;
      case TECHNICAL_FAILURE -> true;
      // a refused compensation means "nothing to undo": an answer
      case REFUSED -> phase == Phase.FORWARD && properties.countRefusals();
    };
  }

  private static Optional<String> participantOf(SagaDefinition<?> def, String step) {
    return def.step(step).map(s -> s.participant().name());
  }

  /** Records one outcome of a command to {@code participant}. */
  public void record(String participant, boolean failure) {
    if (!properties.enabled()) {
      return;
    }
    CircuitBreaker breaker = circuit(participant).breaker;
    if (failure) {
      breaker.onError(0, TimeUnit.NANOSECONDS, FAILURE);
    } else {
      breaker.onSuccess(0, TimeUnit.NANOSECONDS);
    }
  }

  // ------------------------------------------------------------------ starts

  /**
   * Refuses a start whose first stage needs a participant with an open circuit, unless the saga
   * type is set to wait ({@code sec.circuit.start-when-open}).
   *
   * @throws ParticipantUnavailableException naming the participant and when to try again
   */
  public void checkStart(SagaDefinition<?> def) {
    if (!properties.enabled()
        || properties.startWhenOpenFor(def.name()) == CircuitProperties.StartWhenOpen.WAIT
        || def.stages().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    for (StepDefinition<?> step : def.stages().get(0)) {
      String participant = step.participant().name();
      Circuit circuit = circuits.get(participant);
      if (circuit == null || circuit.breaker.getState() != CircuitBreaker.State.OPEN) {
        continue;
      }
      Instant until = circuit.openUntil;
      if (until != null && until.isAfter(now)) {
        Duration retryAfter = Duration.between(now, until);
        throw new ParticipantUnavailableException(
            def.name(),
            participant,
            "participant " + participant + " of its first step has an open circuit",
            retryAfter);
      }
    }
  }

  // ------------------------------------------------------------------ sharing

  /** The changes made here since the last call, oldest first. */
  List<Change> drainChanges() {
    List<Change> out = new ArrayList<>();
    for (Change c; (c = changes.poll()) != null; ) {
      out.add(c);
    }
    return out;
  }

  /**
   * Moves the participant's circuit as another coordinator moved its own at {@code changedAt},
   * which becomes the time it entered the state here too.
   */
  void follow(String participant, String state, Instant openUntil, Instant changedAt) {
    if (!properties.enabled()) {
      return;
    }
    Circuit circuit = circuit(participant);
    CircuitBreaker.State local = circuit.breaker.getState();
    following.set(true);
    try {
      if ("OPEN".equals(state) && openUntil != null) {
        if (local != CircuitBreaker.State.OPEN || !openUntil.equals(circuit.openUntil)) {
          circuit.openUntil = openUntil;
          circuit.breaker.transitionToOpenStateUntil(openUntil);
          circuit.since = changedAt;
        }
      } else if ("CLOSED".equals(state) && local != CircuitBreaker.State.CLOSED) {
        circuit.breaker.transitionToClosedState();
        circuit.since = changedAt;
      }
    } finally {
      following.set(false);
    }
  }

  // ------------------------------------------------------------------ views

  /** The circuit of every participant this coordinator has seen, by name. */
  public Map<String, CircuitView> views() {
    Map<String, CircuitView> out = new TreeMap<>();
    for (Map.Entry<String, Circuit> e : circuits.entrySet()) {
      out.put(e.getKey(), view(e.getValue()));
    }
    return out;
  }

  /** The circuit of one participant (closed and empty if it has had no outcome yet). */
  public CircuitView view(String participant) {
    return view(circuit(participant));
  }

  private static CircuitView view(Circuit circuit) {
    CircuitBreaker.Metrics m = circuit.breaker.getMetrics();
    CircuitBreaker.State state = circuit.breaker.getState();
    return new CircuitView(
        state.name(),
        circuit.since,
        state == CircuitBreaker.State.OPEN ? circuit.openUntil : null,
        m.getFailureRate(),
        m.getNumberOfBufferedCalls(),
        m.getNumberOfFailedCalls(),
        circuit.held.get());
  }

  /** The failure a circuit records: only counted, never thrown. */
  private static final class ParticipantFault extends Exception {
    ParticipantFault() {
      super("participant fault", null, false, false);
    }
  }
}
