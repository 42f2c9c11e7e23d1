package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.protocol.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a start may go ahead when participants are unavailable: the rule the coordinator applies
 * at its door and the test harness applies to scripted outages. Pure: what is unavailable, and why,
 * comes from the caller.
 */
public final class StartAdmission {

  /** A start refused because {@code participant} is unavailable, for {@code reason}. */
  public record Refusal(String participant, String reason) {
    public Refusal {
      Objects.requireNonNull(participant, "participant must not be null");
      Objects.requireNonNull(reason, "reason must not be null");
    }
  }

  private StartAdmission() {}

  /** The participants the start's first forward commands go to, in order, each once. */
  public static List<String> firstParticipants(Transition start) {
    List<String> participants = new ArrayList<>();
    for (Effect e : start.effects()) {
      if (e instanceof SendCommand c
          && c.phase() == Phase.FORWARD
          && !participants.contains(c.participant())) {
        participants.add(c.participant());
      }
    }
    return participants;
  }

  /**
   * Decides a start.
   *
   * @param def the definition; its {@code whenFirstParticipantUnavailable} wins over the default
   * @param start the engine's start transition (nothing written yet)
   * @param coordinatorDefault the policy of definitions that set none
   * @param unavailable why a participant cannot take commands now; empty when it can
   * @return the refusal, or empty when the start goes ahead
   */
  public static Optional<Refusal> decide(
      SagaDefinition<?> def,
      Transition start,
      StartWhenUnavailable coordinatorDefault,
      Function<String, Optional<String>> unavailable) {
    StartWhenUnavailable policy = def.whenFirstParticipantUnavailable().orElse(coordinatorDefault);
    if (policy != StartWhenUnavailable.REFUSE) {
      return Optional.empty();
    }
    for (String participant : firstParticipants(start)) {
      Optional<String> why = unavailable.apply(participant);
      if (why.isPresent()) {
        return Optional.of(new Refusal(participant, why.get()));
      }
    }
    return Optional.empty();
  }
}
