package io.sagacoord.server.internal.pipeline;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Tells in-memory listeners of this instance that a saga reached an end state (COMPLETED,
 * COMPENSATED or FAILED). {@link TransitionWriter} calls {@link #ended} after the commit of such a
 * transition; the long-poll of {@code GET /api/sagas/{id}/end} listens. A saga ended by another
 * instance is not announced here: listeners re-check the database on their own schedule.
 */
@Component
public class SagaEnds {
  private static final Logger LOG = LoggerFactory.getLogger(SagaEnds.class);

  private final Map<UUID, List<Runnable>> listeners = new ConcurrentHashMap<>();

  /** Runs {@code listener} once when the saga ends; close the returned handle to stop listening. */
  public AutoCloseable listen(UUID sagaId, Runnable listener) {
    listeners.computeIfAbsent(sagaId, id -> new CopyOnWriteArrayList<>()).add(listener);
    return () ->
        listeners.computeIfPresent(
            sagaId,
            (id, list) -> {
              list.remove(listener);
              return list.isEmpty() ? null : list;
            });
  }

  /** The ids that have listeners now. */
  public List<UUID> watched() {
    return List.copyOf(listeners.keySet());
  }

  /** Announces the end of a saga to its listeners (and forgets them). */
  public void ended(UUID sagaId) {
    List<Runnable> list = listeners.remove(sagaId);
    if (list == null) {
      return;
    }
    for (Runnable listener : list) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.warn("a listener for the end of saga {} failed: {}", sagaId, e.toString());
      }
    }
  }
}
