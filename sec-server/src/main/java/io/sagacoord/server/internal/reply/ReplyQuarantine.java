package io.sagacoord.server.internal.reply;

import io.sagacoord.server.internal.inbound.InboundMessage;
import io.sagacoord.server.internal.ops.SecMetrics;
import io.sagacoord.server.internal.storage.QuarantineDao;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;

/**
 * Keeps the replies that cannot be applied in {@code saga_quarantine}, each with its reason, a WARN
 * line and the counter {@code sec.replies.quarantined}.
 */
@Component
public class ReplyQuarantine {

  // the reply path's log category, where operators look for these lines
  private static final Log log = LogFactory.getLog(ReplyHandler.class);

  /** A reply to quarantine, with the saga it names (null when it could not be parsed). */
  record Pending(InboundMessage record, UUID sagaId, String reason) {}

  private final QuarantineDao dao;
  private final SecMetrics metrics;

  public ReplyQuarantine(QuarantineDao dao, SecMetrics metrics) {
    this.dao = dao;
    this.metrics = metrics;
  }

  /**
   * Quarantines replies with one statement and no savepoint (the fast path's: a flood of malformed
   * replies costs one insert, not a subtransaction each); if it fails, the fast path falls back.
   */
  void all(List<Pending> pending, Instant now) {
    List<QuarantineDao.Entry> entries = new ArrayList<>(pending.size());
    for (Pending q : pending) {
      InboundMessage r = q.record();
      entries.add(
          new QuarantineDao.Entry(
              q.reason(),
              q.sagaId(),
              r.topic(),
              r.partition(),
              r.offset(),
              r.headers(),
              r.value(),
              now));
    }
    dao.insertAll(entries);
    for (Pending q : pending) {
      log.warn("Quarantined reply at " + q.record().position() + ": " + q.reason());
      metrics.quarantined();
    }
  }

  /**
   * Quarantines under its own savepoint: a failing insert must not abort the batch transaction
   * (that would block the partition for ever). If the full row cannot be stored, a minimal one is
   * (position and reason only); if even that fails, the reply is logged and skipped.
   */
  void one(
      TransactionStatus status, InboundMessage record, UUID sagaId, String reason, Instant now) {
    log.warn("Quarantined reply at " + record.position() + ": " + reason);
    Object savepoint = status.createSavepoint();
    try {
      dao.insert(
          reason,
          sagaId,
          record.topic(),
          record.partition(),
          record.offset(),
          record.headers(),
          record.value(),
          now);
      status.releaseSavepoint(savepoint);
      metrics.quarantined();
      return;
    } catch (RuntimeException e) {
      status.rollbackToSavepoint(savepoint);
      log.error("Quarantining the reply at " + record.position() + " failed; storing less", e);
    }
    savepoint = status.createSavepoint();
    try {
      dao.insert(
          "stored without headers and body (" + reason + ")",
          sagaId,
          record.topic(),
          record.partition(),
          record.offset(),
          Map.of(),
          null,
          now);
      status.releaseSavepoint(savepoint);
      metrics.quarantined();
    } catch (RuntimeException e) {
      status.rollbackToSavepoint(savepoint);
      log.error("Skipped the reply at " + record.position() + ": it cannot be quarantined", e);
    }
  }
}
