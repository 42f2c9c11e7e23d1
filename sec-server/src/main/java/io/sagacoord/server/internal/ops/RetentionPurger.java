package io.sagacoord.server.internal.ops;

import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.storage.SagaInstanceDao;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes finished sagas (COMPLETED, COMPENSATED) that finished (reached that status: {@code
 * finished_at}) longer ago than {@code sec.retention.finished-sagas} (default 31 days), with their
 * log, in small batches. FAILED and PARKED sagas wait for an operator and are kept.
 */
@Component
public class RetentionPurger extends WorkerLoop {

  private static final Log log = LogFactory.getLog(RetentionPurger.class);
  private static final List<String> FINISHED = List.of("COMPLETED", "COMPENSATED");
  private static final int BATCH = 500;

  private final SecProperties properties;
  private final SagaInstanceDao instances;
  private final TransactionTemplate tx;
  private final Clock clock;

  public RetentionPurger(
      SecProperties properties, SagaInstanceDao instances, TransactionTemplate tx, Clock clock) {
    super("sec-retention", "Retention purge", DEFAULT_PHASE, Duration.ZERO);
    this.properties = properties;
    this.instances = instances;
    this.tx = tx;
    this.clock = clock;
  }

  /** Purges everything past retention now; returns how many sagas went. */
  public int purge() {
    Instant before = clock.instant().minus(properties.retention().finishedSagas());
    int total = 0;
    int n;
    do {
      Integer purged = tx.execute(s -> instances.purgeFinished(FINISHED, before, BATCH));
      n = purged == null ? 0 : purged;
      total += n;
    } while (n == BATCH);
    if (total > 0) {
      log.info("Purged " + total + " finished sagas older than " + before);
    }
    return total;
  }

  @Override
  protected void pass(int worker) {
    if (pause(properties.retention().purgeInterval())) {
      purge();
    }
  }
}
