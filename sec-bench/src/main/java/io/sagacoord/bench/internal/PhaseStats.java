package io.sagacoord.bench.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one load phase measured, over its measurement window (after the warm-up).
 *
 * @param offeredPerSecond the arrival rate asked for
 * @param sent starts due in the window
 * @param startErrors starts in the window answered with an error (or not at all)
 * @param completedPerSecond sagas whose {@code finished_at} lies in the window, per second
 * @param backlogAtWindowStart started but not terminal at the window's start
 * @param backlogAtWindowEnd the same at its end
 * @param notTerminal sagas of the whole phase still not terminal when the phase gave up waiting
 * @param completedPerSecondAfterArrivalsStopped the rate at which the backlog left at the last
 *     arrival was worked off (sagas ending after the last due start, divided by the time from then
 *     to the last end); 0 when there was no backlog
 * @param endToEnd due time of the start to terminal commit, microseconds (corrected for coordinated
 *     omission: counted from the schedule)
 * @param fromStartLogged the saga row's {@code created_at} (start durably logged) to terminal
 *     commit, microseconds
 * @param kafkaLagAtArrivalsEnd uncommitted records per consumer group when the last start was sent:
 *     where the backlog waited
 */
public record PhaseStats(
    double offeredPerSecond,
    long sent,
    long startErrors,
    double completedPerSecond,
    long completed,
    long compensated,
    long failed,
    long backlogAtWindowStart,
    long backlogAtWindowEnd,
    long notTerminal,
    double completedPerSecondAfterArrivalsStopped,
    Histogram endToEnd,
    Histogram fromStartLogged,
    Map<String, Object> extras) {

  /** The same with more observations. */
  PhaseStats withExtras(Map<String, Object> more) {
    Map<String, Object> all = new LinkedHashMap<>(extras);
    all.putAll(more);
    return new PhaseStats(
        offeredPerSecond,
        sent,
        startErrors,
        completedPerSecond,
        completed,
        compensated,
        failed,
        backlogAtWindowStart,
        backlogAtWindowEnd,
        notTerminal,
        completedPerSecondAfterArrivalsStopped,
        endToEnd,
        fromStartLogged,
        all);
  }

  /**
   * @param windowStartMicros start of the measurement window (epoch micros)
   * @param windowEndMicros its end
   */
  static PhaseStats of(
      double rate, List<SagaRecord> records, long windowStartMicros, long windowEndMicros) {
    Histogram e2e = new Histogram(3_600_000_000L, 3);
    Histogram logged = new Histogram(3_600_000_000L, 3);
    long sent = 0;
    long errors = 0;
    long doneInWindow = 0;
    long completed = 0;
    long compensated = 0;
    long failed = 0;
    long backlogStart = 0;
    long backlogEnd = 0;
    long notTerminal = 0;
    long lastDue = 0;
    long lastEnd = 0;
    for (SagaRecord r : records) {
      lastDue = Math.max(lastDue, r.intendedMicros);
      if (r.terminal()) {
        lastEnd = Math.max(lastEnd, r.endMicros);
      }
    }
    long afterLastDue = 0;
    for (SagaRecord r : records) {
      if (r.terminal() && r.endMicros > lastDue) {
        afterLastDue++;
      }
    }
    double drainRate =
        afterLastDue < 100 || lastEnd <= lastDue ? 0 : afterLastDue / ((lastEnd - lastDue) / 1e6);
    for (SagaRecord r : records) {
      boolean terminal = r.terminal();
      if (!terminal && !r.startError) {
        notTerminal++;
      }
      if (r.intendedMicros <= windowStartMicros && !r.startError) {
        if (!terminal || r.endMicros > windowStartMicros) {
          backlogStart++;
        }
      }
      if (r.intendedMicros <= windowEndMicros && !r.startError) {
        if (!terminal || r.endMicros > windowEndMicros) {
          backlogEnd++;
        }
      }
      if (terminal && r.endMicros >= windowStartMicros && r.endMicros < windowEndMicros) {
        doneInWindow++;
      }
      if (r.intendedMicros < windowStartMicros || r.intendedMicros >= windowEndMicros) {
        continue;
      }
      sent++;
      if (r.startError) {
        errors++;
        continue;
      }
      if (!terminal) {
        continue;
      }
      switch (r.status) {
        case "COMPLETED" -> completed++;
        case "COMPENSATED" -> compensated++;
        default -> failed++;
      }
      e2e.recordValue(Math.max(0, r.endMicros - r.intendedMicros));
      logged.recordValue(Math.max(0, r.endMicros - r.createdMicros));
    }
    double seconds = (windowEndMicros - windowStartMicros) / 1e6;
    return new PhaseStats(
        rate,
        sent,
        errors,
        doneInWindow / seconds,
        completed,
        compensated,
        failed,
        backlogStart,
        backlogEnd,
        notTerminal,
        drainRate,
        e2e,
        logged,
        Map.of());
  }

  /**
   * Completions kept up with the offered rate: at least 99% of it completed in the window, the
   * backlog did not grow by more than half a second of arrivals, no start failed and nothing was
   * left behind.
   */
  boolean keptUp() {
    long growth = backlogAtWindowEnd - backlogAtWindowStart;
    return completedPerSecond >= 0.99 * offeredPerSecond
        && growth <= Math.max(20, offeredPerSecond * 0.5)
        && startErrors == 0
        && notTerminal == 0;
  }

  static Double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1000.0);
  }

  static double round(double v) {
    return Math.round(v * 100.0) / 100.0;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("offered_per_s", offeredPerSecond);
    m.put("sent_in_window", sent);
    m.put("start_errors", startErrors);
    m.put("completed_per_s", round(completedPerSecond));
    m.put("completed", completed);
    m.put("compensated", compensated);
    m.put("failed", failed);
    m.put("backlog_at_window_start", backlogAtWindowStart);
    m.put("backlog_at_window_end", backlogAtWindowEnd);
    m.put("not_terminal_after_drain", notTerminal);
    m.put("completed_per_s_after_arrivals_stopped", round(completedPerSecondAfterArrivalsStopped));
    m.put("kept_up", keptUp());
    m.put("e2e_ms", percentiles(endToEnd));
    m.put("from_start_logged_ms", percentiles(fromStartLogged));
    m.putAll(extras);
    return m;
  }

  static Map<String, Object> percentiles(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50", ms(h, 50));
    m.put("p90", ms(h, 90));
    m.put("p99", ms(h, 99));
    m.put("p99_9", ms(h, 99.9));
    m.put("max", h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1000.0));
    return m;
  }
}
