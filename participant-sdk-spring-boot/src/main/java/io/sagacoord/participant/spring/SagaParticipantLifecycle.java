package io.sagacoord.participant.spring;

import io.sagacoord.participant.Participant;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;

/**
 * Builds and starts the participant once every bean (and so every annotated handler) exists, and
 * closes it on shutdown. Starts in the last phase, so the service is ready before commands come.
 */
public class SagaParticipantLifecycle implements SmartLifecycle {
  private final Supplier<Participant> factory;
  private volatile Participant participant;

  public SagaParticipantLifecycle(Supplier<Participant> factory) {
    this.factory = factory;
  }

  /** The running participant, or null before start. */
  public Participant participant() {
    return participant;
  }

  @Override
  public synchronized void start() {
    if (participant == null) {
      Participant built = factory.get();
      built.start();
      participant = built;
    }
  }

  @Override
  public synchronized void stop() {
    if (participant != null) {
      participant.close();
      participant = null;
    }
  }

  @Override
  public boolean isRunning() {
    return participant != null;
  }
}
