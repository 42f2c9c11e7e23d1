package io.sagacoord.participant;

import io.sagacoord.participant.internal.InboxRepository;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Deletes inbox rows past their retention: done rows after the inbox retention, fence rows (left by
 * a compensation of a step never seen) after the longer fence retention.
 */
final class InboxPurge {
  // logs as the participant, whose lifecycle lines these are
  private static final System.Logger LOG = System.getLogger(Participant.class.getName());
  private static final int ROWS_PER_SLICE = 1000;

  private final ParticipantSettings settings;
  private final InboxRepository inbox;

  InboxPurge(ParticipantSettings settings, InboxRepository inbox) {
    this.settings = settings;
    this.inbox = inbox;
  }

  /** Deletes the rows past their retention and returns how many. */
  long purge() {
    try {
      Instant now = settings.clock().instant();
      return inbox.purgeOlderThan(
          settings.dataSource(),
          now.minus(settings.inboxRetention()),
          now.minus(settings.fenceRetention()),
          ROWS_PER_SLICE);
    } catch (SQLException e) {
      throw new ParticipantException("purging the inbox of " + settings.name() + " failed", e);
    }
  }

  /** Purges, logging what was deleted and a failure instead of throwing it. */
  void purgeQuietly() {
    try {
      long purged = purge();
      if (purged > 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "participant {0}: purged {1} inbox rows",
            settings.name(),
            purged);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "participant " + settings.name() + ": purge failed", e);
    }
  }
}
