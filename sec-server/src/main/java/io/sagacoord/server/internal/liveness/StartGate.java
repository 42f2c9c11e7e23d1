package io.sagacoord.server.internal.liveness;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.StartWhenUnavailable;
import io.sagacoord.dsl.engine.StartAdmission;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.ParticipantUnavailableException;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The coordinator's door: a start whose first commands go to a participant that cannot take them
 * (any {@link ParticipantCheck} bean, such as no live instance) is refused before anything is
 * written, when its definition (or {@code sec.liveness.when-unavailable}) says to refuse. Every
 * start path calls it (REST, Java API, the Kafka start topic) after the data has passed the
 * definition's rules. The rule itself is {@link StartAdmission}, which the test harness applies
 * too.
 */
@Component
public class StartGate {

  private final List<ParticipantCheck> checks;
  private final LivenessProperties properties;
  private final SagaInstanceDao instances;
  private final MeterRegistry meters;

  public StartGate(
      List<ParticipantCheck> checks,
      LivenessProperties properties,
      SagaInstanceDao instances,
      MeterRegistry meters) {
    this.checks = List.copyOf(checks);
    this.properties = properties;
    this.instances = instances;
    this.meters = meters;
  }

  /**
   * Lets the start through or refuses it.
   *
   * @param start the engine's start transition (computed, not written)
   * @throws ParticipantUnavailableException if it is refused
   */
  public void admit(SagaDefinition<?> def, UUID sagaId, Transition start) {
    StartWhenUnavailable policy =
        def.whenFirstParticipantUnavailable().orElse(properties.whenUnavailable());
    if (policy != StartWhenUnavailable.REFUSE) {
      // nothing to ask: the start goes ahead whatever the participants' state
      return;
    }
    Optional<StartAdmission.Refusal> refusal =
        StartAdmission.decide(def, start, policy, this::unavailable);
    if (refusal.isEmpty()) {
      return;
    }
    if (instances.find(sagaId).isPresent()) {
      // the key's saga exists already: the start is a repeat and answers with that saga
      return;
    }
    StartAdmission.Refusal r = refusal.get();
    Counter.builder("sec.starts.refused.unavailable")
        .description("starts refused because a participant of their first commands is unavailable")
        .baseUnit("starts")
        .tag("participant", r.participant())
        .register(meters)
        .increment();
    throw new ParticipantUnavailableException(
        def.name(), r.participant(), r.reason(), properties.retryAfter());
  }

  private Optional<String> unavailable(String participant) {
    for (ParticipantCheck check : checks) {
      Optional<String> why = check.unavailable(participant);
      if (why.isPresent()) {
        return why;
      }
    }
    return Optional.empty();
  }
}
