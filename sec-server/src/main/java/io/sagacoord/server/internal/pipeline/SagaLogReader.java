package io.sagacoord.server.internal.pipeline;

import io.sagacoord.server.internal.registry.DefinitionRegistry;
import io.sagacoord.server.internal.storage.LogEntryRow;
import io.sagacoord.server.internal.storage.LogRow;
import io.sagacoord.server.internal.storage.SagaLogDao;
import io.sagacoord.server.internal.storage.SagaRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Reads a saga's log as the engine wrote it: the stored rows leave out what the saga and its pinned
 * definition already determine (see {@link LogFolding}), which this puts back.
 */
@Component
public class SagaLogReader {

  private final SagaLogDao log;
  private final DefinitionRegistry registry;

  public SagaLogReader(SagaLogDao log, DefinitionRegistry registry) {
    this.log = log;
    this.registry = registry;
  }

  /**
   * The saga's log entries, one per engine {@code LogEntry}, in the order the engine made them. The
   * detail of a {@code COMMAND_SENT} entry stays null only when the row left it out and the saga's
   * definition version is no longer loaded (or changed without a new version).
   */
  public List<LogEntryRow> entries(SagaRow saga) {
    LogForm.Pinned pinned =
        LogForm.Pinned.of(saga.sagaType(), saga.definitionVersion(), saga.fingerprint(), registry);
    List<LogEntryRow> entries = new ArrayList<>();
    for (LogRow row : log.findBySaga(saga.id())) {
      entries.addAll(LogUnfolding.unfold(row, pinned));
    }
    return entries;
  }

  /**
   * The saga's rows (one per transition), in order, each with its phase, full causing event,
   * command id and Kafka topic.
   */
  public List<LogRow> rows(UUID sagaId) {
    List<LogRow> rows = new ArrayList<>();
    for (LogRow r : log.findBySaga(sagaId)) {
      rows.add(full(r));
    }
    return rows;
  }

  /** The saga's first row (its start) like {@link #rows}; empty if the saga has no log. */
  public Optional<LogRow> first(UUID sagaId) {
    return log.findFirst(sagaId).map(SagaLogReader::full);
  }

  private static LogRow full(LogRow r) {
    return new LogRow(
        r.sagaId(),
        r.seq(),
        r.type(),
        r.step(),
        LogUnfolding.phase(r),
        r.attempt(),
        LogUnfolding.commandId(r),
        r.detailJson(),
        r.thenJson(),
        LogUnfolding.event(r),
        r.occurredAt(),
        r.handledBy(),
        LogUnfolding.kafkaTopic(r),
        r.kafkaPartition(),
        r.kafkaOffset());
  }
}
