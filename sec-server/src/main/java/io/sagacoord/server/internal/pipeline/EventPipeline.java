package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.dsl.engine.SagaEvent;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaRow;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;

/**
 * The one way a saga event (a reply, a timer, an operator action, a redelivered reply) reaches a
 * saga: lock the sagas of a batch, load each (park or resume it if its definition changed), let the
 * engine apply the event, write the transition. What the caller hands the relay afterwards is in
 * the {@link TransitionWriter.Written} of each result. A batch applied saga by saga puts each under
 * its own savepoint ({@link #eachUnderSavepoint}), so one that fails rolls back alone; reply intake
 * first tries its batch without savepoints, collecting the writes in a {@link WriteBatch}, and
 * falls back to that when anything fails. Every {@link TransitionObserver} learns of each event the
 * engine decided on, after the commit.
 */
@Component
public class EventPipeline {

  /** What became of an event applied to one saga. */
  public enum Kind {
    /** The saga had ended: the event is not applied (see {@link #apply}'s {@code finished}). */
    FINISHED,
    /** The saga's definition is not loaded: it is (now) PARKED and the event is not applied. */
    PARKED,
    /** The engine did not apply the event (a duplicate, a stale attempt, a refused action). */
    NOT_APPLIED,
    /** The engine applied the event and its transition is written. */
    APPLIED
  }

  /**
   * An event applied to one saga.
   *
   * @param kind what became of it
   * @param before the saga's state as loaded, before the event (null when {@link Kind#FINISHED})
   * @param transition the engine's answer, or null when the event never reached the engine
   * @param written what was written (a park or resume, the transition, or both), or null
   */
  public record Result(
      Kind kind, SagaState before, Transition transition, TransitionWriter.Written written) {

    /** The saga's row after the writes, or null when nothing was written. */
    public SagaRow row() {
      return written == null ? null : written.row();
    }
  }

  /**
   * The most savepoints that keep their writes in one transaction. Each is a subtransaction with a
   * transaction id of its own once it writes; PostgreSQL keeps 64 of those per transaction in
   * shared memory, and past that the transaction "overflows": while it runs, every snapshot taken
   * in the whole server looks transaction ids up in {@code pg_subtrans}, and every query slows
   * down. Work done item by item under savepoints therefore takes at most this many items per
   * transaction.
   */
  public static final int SAVEPOINTS_PER_TRANSACTION = 48;

  private final SagaInstanceDao instances;
  private final SagaLoader loader;
  private final StateMapper mapper;
  private final DefinitionRegistry registry;
  private final SagaEngine engine;
  private final TransitionWriter writer;
  private final EventJson events;
  private final List<TransitionObserver> observers;

  public EventPipeline(
      SagaInstanceDao instances,
      SagaLoader loader,
      StateMapper mapper,
      DefinitionRegistry registry,
      SagaEngine engine,
      TransitionWriter writer,
      EventJson events,
      ObjectProvider<TransitionObserver> observers) {
    this.observers = observers.orderedStream().toList();
    this.instances = instances;
    this.loader = loader;
    this.mapper = mapper;
    this.registry = registry;
    this.engine = engine;
    this.writer = writer;
    this.events = events;
  }

  /** Locks the sagas' rows in id order, waiting for other holders; unknown ids are absent. */
  public Map<UUID, SagaRow> lock(Collection<UUID> sagaIds) {
    return sagaIds.isEmpty() ? Map.of() : instances.lock(sagaIds);
  }

  /** Locks the rows of those sagas that no one else holds; the others are left for later. */
  public Map<UUID, SagaRow> lockFree(Collection<UUID> sagaIds) {
    return instances.lockSkipLocked(sagaIds);
  }

  /** The sink that writes at once in the current transaction. */
  public TransitionWriter.Sink direct() {
    return writer.direct();
  }

  /**
   * A check of the loaded saga before the engine sees the event; it rejects the event by throwing
   * (the writes of the load are then the caller's to drop, with its savepoint or batch).
   */
  @FunctionalInterface
  public interface Check {
    void check(SagaState state, SagaDefinition<?> definition);
  }

  /** Applies an event from inside the coordinator (no Kafka origin) to a saga that runs. */
  public Result apply(SagaRow row, SagaEvent event, Instant now) {
    return apply(row, event, now, null, writer.direct(), false, (state, definition) -> {});
  }

  /**
   * Applies an event to a locked saga: loads it (a changed definition parks it, a loaded one
   * resumes it), lets the engine apply the event and writes the transition into {@code sink}.
   *
   * @param origin where a reply was read, recorded on the log rows; null for other events
   * @param finished whether the event may act on a saga that has ended (an operator resolving a
   *     FAILED saga); otherwise such a saga is {@link Kind#FINISHED} and left alone
   * @param check runs on the loaded saga, before the engine
   */
  public Result apply(
      SagaRow row,
      SagaEvent event,
      Instant now,
      TransitionWriter.KafkaOrigin origin,
      TransitionWriter.Sink sink,
      boolean finished,
      Check check) {
    SagaRow current;
    SagaState state;
    SagaDefinition<?> definition;
    TransitionWriter.Written loadWrite;
    if (SagaStatus.valueOf(row.status()).isTerminal()) {
      if (!finished) {
        return new Result(Kind.FINISHED, null, null, null);
      }
      // the loader leaves ended sagas alone; one may still be acted on with its own definition
      current = row;
      state = mapper.toState(row);
      definition =
          registry
                  .parkReason(row.sagaType(), row.definitionVersion(), row.fingerprint())
                  .isPresent()
              ? null
              : registry.find(row.sagaType(), row.definitionVersion()).orElse(null);
      loadWrite = null;
    } else {
      SagaLoader.Loaded loaded = loader.load(row, now, origin, sink);
      current = loaded.row();
      state = loaded.state();
      definition = loaded.definition();
      loadWrite = loaded.written();
    }
    if (definition == null) {
      return new Result(Kind.PARKED, state, null, loadWrite);
    }
    check.check(state, definition);
    Transition transition = engine.apply(definition, state, event, now);
    observe(sink, definition, event, transition);
    if (!transition.applied()) {
      return new Result(Kind.NOT_APPLIED, state, transition, loadWrite);
    }
    TransitionWriter.Written written =
        TransitionWriter.Written.merge(
            loadWrite, writer.write(current, transition, events.toJson(event), now, origin, sink));
    return new Result(Kind.APPLIED, state, transition, written);
  }

  private void observe(
      TransitionWriter.Sink sink,
      SagaDefinition<?> definition,
      SagaEvent event,
      Transition transition) {
    if (observers.isEmpty()) {
      return;
    }
    // with the writes (a reply dropped from its batch is not observed), after the commit (a batch
    // that rolls back and is applied again is observed once)
    sink.metric(
        () ->
            AfterCommit.run(
                () -> observers.forEach(o -> o.observe(definition, event, transition))));
  }

  /**
   * Runs {@code work} for each item under its own savepoint: an item that throws is rolled back
   * alone and handed to {@code failed} (after its rollback), and the others keep their writes.
   * Fatal errors (out of memory and the like) and transient database conflicts (a deadlock, a lock
   * not available: {@link Failures#isTransient}) are thrown on and roll back the whole transaction,
   * which its caller tries again. Callers hand over at most {@link #SAVEPOINTS_PER_TRANSACTION}
   * items.
   */
  public static <T> void eachUnderSavepoint(
      TransactionStatus status,
      Iterable<T> items,
      Consumer<T> work,
      java.util.function.BiConsumer<T, Throwable> failed) {
    for (T item : items) {
      Object savepoint = status.createSavepoint();
      try {
        work.accept(item);
        status.releaseSavepoint(savepoint);
      } catch (Throwable e) {
        Failures.rethrowIfFatal(e);
        status.rollbackToSavepoint(savepoint);
        if (Failures.isTransient(e)) {
          // a deadlock or lock conflict is not this item's fault: the whole pass is tried again
          throw e;
        }
        failed.accept(item, e);
      }
    }
  }
}
