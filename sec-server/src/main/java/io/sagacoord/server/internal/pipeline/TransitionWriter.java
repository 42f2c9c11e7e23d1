package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.engine.Effect;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.Transition;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.ops.AfterCommit;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.OutboxDao;
import io.sagacoord.server.internal.storage.OutboxRow;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.storage.TimerRow;
import io.sagacoord.server.internal.tracing.SagaTracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Writes one applied engine transition in the current transaction: one log row (contiguous
 * sequence, the causing event, the engine's log entries folded into it), the instance, outbox rows
 * for the commands, timers. The server decides nothing here; it only records what the engine
 * returned.
 */
@Component
public class TransitionWriter {

  /** Where a reply came from, recorded on the log rows it caused. */
  public record KafkaOrigin(String topic, int partition, long offset) {}

  /** What the caller needs after a write. */
  public record Written(SagaRow row, boolean sentCommands, boolean sentCompensation) {
    /** Two writes in a row on one saga: the later row, and whether either sent commands. */
    public static Written merge(Written first, Written second) {
      if (first == null) {
        return second;
      }
      return new Written(
          second.row(),
          first.sentCommands() || second.sentCommands(),
          first.sentCompensation() || second.sentCompensation());
    }
  }

  /**
   * Where a transition's rows go: straight to the database ({@link #direct()}), or into a {@link
   * WriteBatch} that the reply path writes with one batch per statement kind.
   */
  public interface Sink {
    void insertInstance(SagaRow row);

    void updateInstance(SagaRow row);

    void insertLog(List<LogRow> rows);

    void insertTimers(List<TimerRow> rows);

    /** Cancels the timers of a step (all when null), including those inserted before. */
    void cancelTimers(UUID sagaId, String step);

    void insertOutbox(List<OutboxRow> rows);

    /** A meter update that belongs to these writes (it must not count if they are dropped). */
    void metric(Runnable action);
  }

  private final Sink direct =
      new Sink() {
        @Override
        public void insertInstance(SagaRow row) {
          instances.insert(row);
        }

        @Override
        public void updateInstance(SagaRow row) {
          instances.update(row);
        }

        @Override
        public void insertLog(List<LogRow> rows) {
          log.insert(rows);
        }

        @Override
        public void insertTimers(List<TimerRow> rows) {
          timers.insert(rows);
        }

        @Override
        public void cancelTimers(UUID sagaId, String step) {
          timers.cancel(sagaId, step);
        }

        @Override
        public void insertOutbox(List<OutboxRow> rows) {
          outbox.insert(rows);
        }

        @Override
        public void metric(Runnable action) {
          action.run();
        }
      };

  private final SagaInstanceDao instances;
  private final SagaLogDao log;
  private final OutboxDao outbox;
  private final TimerDao timers;
  private final StateMapper mapper;
  private final DefinitionRegistry registry;
  private final SecMetrics metrics;
  private final String replyTopic;
  private final String instanceId;
  private final SagaEnds ends;

  public TransitionWriter(
      SagaInstanceDao instances,
      SagaLogDao log,
      OutboxDao outbox,
      TimerDao timers,
      StateMapper mapper,
      DefinitionRegistry registry,
      SecMetrics metrics,
      SecProperties properties,
      SagaEnds ends) {
    this.instances = instances;
    this.log = log;
    this.outbox = outbox;
    this.timers = timers;
    this.mapper = mapper;
    this.registry = registry;
    this.metrics = metrics;
    this.replyTopic = properties.kafka().replyTopic();
    this.instanceId = properties.instanceId();
    this.ends = ends;
  }

  /**
   * Records a transition. {@code before} is the locked row, or null for a new saga; {@code
   * eventJson} is the event that caused it, stored on its first log row for replay.
   */
  public Written write(
      SagaRow before, Transition transition, String eventJson, Instant now, KafkaOrigin origin) {
    return write(before, transition, eventJson, now, origin, direct);
  }

  /** The sink that writes at once in the current transaction. */
  public Sink direct() {
    return direct;
  }

  /** Like {@link #write(SagaRow, Transition, String, Instant, KafkaOrigin)}, into {@code sink}. */
  public Written write(
      SagaRow before,
      Transition transition,
      String eventJson,
      Instant now,
      KafkaOrigin origin,
      Sink sink) {
    SagaState state = transition.state();
    // one log row per transition: its entries after the first are folded into that row, without
    // what the saga's pinned definition and the row itself already say
    int seq = (before == null ? 0 : before.lastSeq()) + 1;
    LogForm.Pinned pinned =
        LogForm.Pinned.of(
            state.sagaType(), state.definitionVersion(), state.fingerprint(), registry);
    List<LogRow> rows =
        List.of(
            LogFolding.row(
                state.sagaId(), seq, transition.log(), eventJson, now, instanceId, origin, pinned));

    SagaRow after = mapper.toRow(state, before == null ? null : before.businessKey(), seq);
    if (before == null) {
      sink.insertInstance(after);
      sink.metric(() -> metrics.sagaStatus("started", state.sagaType()));
    } else {
      sink.updateInstance(after);
    }
    sink.insertLog(rows);
    sink.metric(() -> metrics.stepEvents(state.sagaType(), transition.log()));

    List<OutboxRow> commands = new ArrayList<>();
    List<TimerRow> scheduled = new ArrayList<>();
    boolean compensation = false;
    for (Effect effect : transition.effects()) {
      if (effect instanceof Effect.SendCommand send) {
        commands.add(command(state, send, now));
        compensation |= send.phase() == Phase.COMPENSATE;
      } else if (effect instanceof Effect.ScheduleTimer timer) {
        scheduled.add(
            new TimerRow(
                null,
                state.sagaId(),
                timer.kind().name(),
                timer.step(),
                timer.phase() == null ? null : timer.phase().wireName(),
                timer.attempt(),
                timer.dueAt()));
      } else if (effect instanceof Effect.CancelTimers cancel) {
        // keep the engine's order: timers scheduled before this cancel are cancelled too
        sink.insertTimers(new ArrayList<>(scheduled));
        scheduled.clear();
        sink.cancelTimers(state.sagaId(), cancel.step());
      } else if (effect instanceof Effect.SagaEnded ended) {
        String status = ended.status().name().toLowerCase(Locale.ROOT);
        Duration took = Duration.between(state.createdAt(), now);
        sink.metric(() -> metrics.sagaEnded(status, state.sagaType(), took));
      }
    }
    sink.insertTimers(scheduled);
    sink.insertOutbox(commands);
    if (state.status().isTerminal()) {
      // waiters of GET /api/sagas/{id}/end; the sink runs this with the writes, AfterCommit after
      // their commit
      sink.metric(() -> AfterCommit.run(() -> ends.ended(state.sagaId())));
    }
    if (state.status() == SagaStatus.PARKED
        && (before == null || !SagaStatus.PARKED.name().equals(before.status()))) {
      sink.metric(() -> metrics.sagaStatus("parked", state.sagaType()));
    }
    return new Written(after, !commands.isEmpty(), compensation);
  }

  private OutboxRow command(SagaState state, Effect.SendCommand send, Instant now) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SagaHeaders.SAGA_ID, state.sagaId().toString());
    headers.put(SagaHeaders.SAGA_TYPE, state.sagaType());
    headers.put(SagaHeaders.STEP, send.step());
    headers.put(SagaHeaders.PHASE, send.phase().wireName());
    headers.put(SagaHeaders.ATTEMPT, Integer.toString(send.attempt()));
    headers.put(SagaHeaders.COMMAND_ID, send.commandId().toString());
    headers.put(SagaHeaders.MESSAGE_KIND, MessageKind.COMMAND.wireName());
    headers.put(SagaHeaders.COMMAND_TYPE, send.commandType());
    headers.put(SagaHeaders.REPLY_TOPIC, replyTopic);
    headers.put(SagaHeaders.PARTICIPANT, send.participant());
    if (send.phase() == Phase.FORWARD && send.deadline() != null) {
      headers.put(SagaHeaders.DEADLINE, Long.toString(send.deadline().toEpochMilli()));
    }
    SagaTracing.putTraceparent(headers);
    return new OutboxRow(
        null,
        state.sagaId(),
        send.topic(),
        state.sagaId().toString(),
        headers,
        send.payloadJson(),
        now);
  }
}
