package io.sagacoord.participant;

/**
 * A snapshot of a participant's counters since it started.
 *
 * @param handlerRuns commands for which a handler ran to an outcome (retries inside one command
 *     count once)
 * @param storedOutcomesResent duplicates and newer attempts answered from the inbox
 * @param refused commands answered {@code REFUSED} (stale, fenced or too late)
 * @param technicalFailures commands answered {@code TECHNICAL_FAILURE}
 * @param fencedCompensations compensations of unseen steps recorded as no-ops
 * @param repliesSent replies acknowledged by Kafka
 * @param poisonRecords records quarantined to the dead-letter topic
 * @param failedBatches batches rolled back and read again (database or Kafka trouble)
 * @param batchesCutShort batches that stopped taking records at the batch budget, giving the rest
 *     back to the queue
 * @param pollFailures polls that failed and were retried after the failure back-off
 * @param consumerRestarts consumers closed and made anew (fenced static member and the like)
 * @param transactions batches committed on the service's database, one transaction each (fewer than
 *     the commands when commands arrive together)
 */
public record ParticipantMetrics(
    long handlerRuns,
    long storedOutcomesResent,
    long refused,
    long technicalFailures,
    long fencedCompensations,
    long repliesSent,
    long poisonRecords,
    long failedBatches,
    long batchesCutShort,
    long pollFailures,
    long consumerRestarts,
    long transactions) {}
