package io.sagacoord.server.internal.ops;

import io.sagacoord.server.config.SecProperties;
import java.time.Duration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Vacuums the queue tables {@code saga_outbox} and {@code saga_timer} every {@code
 * sec.retention.queue-vacuum-interval} (default 10 s). Every row of them is deleted again soon
 * after it was written, so they hold few live rows but a dead version of every row sent or timer
 * cancelled; only a vacuum makes that space reusable. Autovacuum starts a worker in a database at
 * most once per {@code autovacuum_naptime} (1 min), in which time a busy coordinator writes tens of
 * thousands of queue rows, so the tables grew to hold a minute or more of them; vacuumed every few
 * seconds they hold a few seconds' worth, and the last vacuum after a burst gives the empty pages
 * at the end back to the file system.
 *
 * <p>The vacuum skips a table that another vacuum (an autovacuum worker or another coordinator)
 * holds ({@code SKIP_LOCKED}); it does not block writers. A database user that does not own the
 * tables gets a warning from PostgreSQL and nothing happens.
 */
@Component
public class QueueVacuum extends WorkerLoop {

  static final String VACUUM = "VACUUM (SKIP_LOCKED) saga_outbox, saga_timer";

  private final Duration interval;
  private final JdbcTemplate jdbc;

  public QueueVacuum(SecProperties properties, JdbcTemplate jdbc) {
    super("sec-queue-vacuum", "Queue vacuum", DEFAULT_PHASE, Duration.ZERO);
    this.interval = properties.retention().queueVacuumInterval();
    this.jdbc = jdbc;
  }

  /** Vacuums both queue tables now (outside any transaction: VACUUM cannot run in one). */
  public void vacuum() {
    jdbc.execute(VACUUM);
  }

  /** Zero: never. */
  @Override
  protected boolean enabled() {
    return !interval.isZero() && !interval.isNegative();
  }

  @Override
  protected void pass(int worker) {
    if (pause(interval)) {
      vacuum();
    }
  }
}
