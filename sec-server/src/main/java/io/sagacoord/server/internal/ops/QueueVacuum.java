package io.sagacoord.server.internal.ops;

import io.sagacoord.server.config.SecProperties;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Vacuums the queue tables {@code saga_outbox} and {@code saga_timer} every {@code
 * sec.retention.queue-vacuum-interval} (default 10 s). Every row of them is deleted again soon
 * after it was written, so they hold few live rows but a dead version of every row sent or timer
 * cancelled; only a vacuum makes that space reusable. Autovacuum starts a worker in a database at
 * most once per {@code autovacuum_naptime} (1 min), in which time a busy coordinator writes tens of
 * thousands of queue rows, so the tables grew to hold a minute or more of them; vacuumed every few
 * seconds they hold a few seconds' worth.
 *
 * <p>A pass gives the empty pages at the end of the tables back to the file system only when no
 * queue row was written since the previous pass (both tables' sequences stand still): cutting a
 * table takes an exclusive lock, which PostgreSQL tries for up to 5 s while writers come and go and
 * which stalls every writer while it holds it; a vacuum that tried it every 10 s under load took up
 * to 2 s and held up replies and starts. After a burst, the first pass of the quiet that follows
 * cuts the tables back.
 *
 * <p>The vacuum skips a table that another vacuum (an autovacuum worker or another coordinator)
 * holds ({@code SKIP_LOCKED}). A database user that does not own the tables gets a warning from
 * PostgreSQL and nothing happens.
 */
@Component
public class QueueVacuum extends WorkerLoop {

  static final String VACUUM = "VACUUM (SKIP_LOCKED, TRUNCATE false) saga_outbox, saga_timer";
  static final String VACUUM_AND_CUT = "VACUUM (SKIP_LOCKED) saga_outbox, saga_timer";

  /** The last values of both tables' sequences: they move with every row written. */
  static final String WRITTEN =
      "SELECT COALESCE(pg_sequence_last_value('saga_outbox_id_seq'), 0)"
          + " + COALESCE(pg_sequence_last_value('saga_timer_id_seq'), 0)";

  private final Duration interval;
  private final JdbcTemplate jdbc;
  private long writtenAtLastPass = -1;

  @Autowired
  public QueueVacuum(SecProperties properties, JdbcTemplate jdbc) {
    this(properties.retention().queueVacuumInterval(), jdbc);
  }

  public QueueVacuum(Duration interval, JdbcTemplate jdbc) {
    super("sec-queue-vacuum", "Queue vacuum", DEFAULT_PHASE, Duration.ZERO);
    this.interval = interval;
    this.jdbc = jdbc;
  }

  /**
   * One pass: vacuums both queue tables, and cuts their empty end pages off when no queue row was
   * written since the previous pass (the first pass never does). Returns whether it cut.
   */
  public synchronized boolean vacuumPass() {
    long written = jdbc.queryForObject(WRITTEN, Long.class);
    boolean quiet = written == writtenAtLastPass;
    writtenAtLastPass = written;
    vacuum(quiet);
    return quiet;
  }

  /**
   * Vacuums both queue tables now (outside any transaction: VACUUM cannot run in one); {@code cut}
   * also gives their empty end pages back to the file system.
   */
  public void vacuum(boolean cut) {
    jdbc.execute(cut ? VACUUM_AND_CUT : VACUUM);
  }

  /** Zero: never. */
  @Override
  protected boolean enabled() {
    return !interval.isZero() && !interval.isNegative();
  }

  @Override
  protected void pass(int worker) {
    if (pause(interval)) {
      vacuumPass();
    }
  }
}
