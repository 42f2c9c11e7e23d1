package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.dsl.engine.StartAdmission;
import io.sagacoord.dsl.engine.StartDataViolationsException;
import io.sagacoord.dsl.engine.Transition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The coordinator's door as a harness scripts it: a start is first checked against the definition's
 * {@code validate} rules (rejected with its violations), then admitted or refused by the scripted
 * outages under the definition's or the coordinator's {@link StartWhenUnavailable}. It keeps a
 * rejection or refusal of the start for the assertions.
 */
final class StartDoor {
  private final Map<String, String> unavailable = new LinkedHashMap<>();
  private StartWhenUnavailable coordinatorDefault = StartWhenUnavailable.ACCEPT_AND_WAIT;
  private StartAdmission.Refusal refusal;
  private List<String> violations;

  void unavailable(String participant, String reason) {
    unavailable.put(participant, reason);
  }

  void live(String participant) {
    unavailable.remove(participant);
  }

  void coordinatorDefault(StartWhenUnavailable policy) {
    coordinatorDefault = policy;
  }

  /** Whether a start came to the door and was turned away. */
  boolean turnedAway() {
    return refusal != null || violations != null;
  }

  Optional<StartAdmission.Refusal> refusal() {
    return Optional.ofNullable(refusal);
  }

  /**
   * Passes a start through the door: the start transition if it is admitted, empty if the start
   * data is rejected or the start is refused.
   */
  Optional<Transition> pass(SagaDefinition<?> definition, Supplier<Transition> validatedStart) {
    Transition started;
    try {
      started = validatedStart.get();
    } catch (StartDataViolationsException e) {
      violations = e.violations();
      return Optional.empty();
    }
    refusal =
        StartAdmission.decide(
                definition,
                started,
                coordinatorDefault,
                participant -> Optional.ofNullable(unavailable.get(participant)))
            .orElse(null);
    return refusal == null ? Optional.of(started) : Optional.empty();
  }

  /** Throws unless the start was refused; {@code started} tells what happened instead. */
  void expectRefused(boolean started) {
    if (refusal == null) {
      throw new AssertionError(
          "expected the start to be refused but "
              + (violations != null
                  ? "it was rejected for " + violations
                  : notTurnedAway(started)));
    }
  }

  void expectRefusedFor(String participant, boolean started) {
    expectRefused(started);
    if (!refusal.participant().equals(participant)) {
      throw new AssertionError(
          "expected the start to be refused for "
              + participant
              + " but it was refused for "
              + refusal.participant()
              + " ("
              + refusal.reason()
              + ")");
    }
  }

  /** Throws unless the start data was rejected with {@code expected} (none given: with any). */
  void expectRejected(List<String> expected, boolean started) {
    if (violations == null) {
      throw new AssertionError(
          "expected the start data to be rejected but "
              + (refusal != null
                  ? "the start was refused: " + refusal.reason()
                  : notTurnedAway(started)));
    }
    if (!expected.isEmpty() && !violations.equals(expected)) {
      throw new AssertionError("expected the violations " + expected + " but got " + violations);
    }
  }

  /** Throws if the start was turned away: then there is no saga to expect anything of. */
  void requireAdmitted() {
    if (refusal != null) {
      throw new AssertionError("the start was refused: " + refusal.reason());
    }
    if (violations != null) {
      throw new AssertionError("the start data was rejected: " + violations);
    }
  }

  private static String notTurnedAway(boolean started) {
    return started ? "the saga started" : "start(data) was not called";
  }
}
