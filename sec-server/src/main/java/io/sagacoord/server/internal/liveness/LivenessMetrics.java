package io.sagacoord.server.internal.liveness;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Gauges of live and dead instances per participant ({@code sec.participant.instances.live} and
 * {@code .dead}, tag {@code participant}), for every participant in the registry: those stored when
 * the coordinator starts, and every other one once it is heard from. A participant never heard from
 * is not judged, and has no gauges.
 */
@Component
public class LivenessMetrics {

  private final MeterRegistry meters;
  private final Liveness liveness;
  private final Set<String> tracked = ConcurrentHashMap.newKeySet();

  public LivenessMetrics(MeterRegistry meters, Liveness liveness) {
    this.meters = meters;
    this.liveness = liveness;
  }

  @EventListener(ApplicationReadyEvent.class)
  void trackStoredParticipants() {
    liveness.instances().forEach(row -> track(row.participant()));
  }

  /** Registers the participant's gauges, once. */
  public void track(String participant) {
    if (!tracked.add(participant)) {
      return;
    }
    Gauge.builder("sec.participant.instances.live", liveness, l -> l.liveInstances(participant))
        .description(
            "instances of the participant heard from within sec.liveness.missed-heartbeats"
                + " heartbeat intervals")
        .baseUnit("instances")
        .tag("participant", participant)
        .register(meters);
    Gauge.builder("sec.participant.instances.dead", liveness, l -> l.deadInstances(participant))
        .description("instances of the participant that missed their heartbeats")
        .baseUnit("instances")
        .tag("participant", participant)
        .register(meters);
  }
}
