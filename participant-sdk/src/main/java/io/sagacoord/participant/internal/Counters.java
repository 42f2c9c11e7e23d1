package io.sagacoord.participant.internal;

import io.sagacoord.participant.ParticipantMetrics;
import java.util.concurrent.atomic.AtomicLong;

/** The participant's counters, shared by its worker threads. */
public final class Counters {
  final AtomicLong handlerRuns = new AtomicLong();
  final AtomicLong storedOutcomesResent = new AtomicLong();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong technicalFailures = new AtomicLong();
  final AtomicLong fencedCompensations = new AtomicLong();
  final AtomicLong repliesSent = new AtomicLong();
  final AtomicLong poisonRecords = new AtomicLong();
  final AtomicLong failedBatches = new AtomicLong();
  final AtomicLong batchesCutShort = new AtomicLong();
  final AtomicLong pollFailures = new AtomicLong();
  final AtomicLong consumerRestarts = new AtomicLong();
  final AtomicLong transactions = new AtomicLong();

  public ParticipantMetrics snapshot() {
    return new ParticipantMetrics(
        handlerRuns.get(),
        storedOutcomesResent.get(),
        refused.get(),
        technicalFailures.get(),
        fencedCompensations.get(),
        repliesSent.get(),
        poisonRecords.get(),
        failedBatches.get(),
        batchesCutShort.get(),
        pollFailures.get(),
        consumerRestarts.get(),
        transactions.get());
  }
}
