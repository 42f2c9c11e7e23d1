package io.sagacoord.server.internal.liveness;

import io.sagacoord.server.internal.liveness.HeartbeatDao.HeartbeatRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Which participant instances are live, judged against the coordinator's clock: an instance is dead
 * once {@code sec.liveness.missed-heartbeats} of its intervals have passed since it was last heard
 * from. The table is the truth (every coordinator reads the registry topic into it); starts read a
 * copy at most {@code sec.liveness.refresh-interval} old, so the door costs no query per start.
 */
@Component
public class Liveness implements ParticipantCheck {

  private record Snapshot(Map<String, List<HeartbeatRow>> byParticipant, long readAtNanos) {}

  private final HeartbeatDao heartbeats;
  private final LivenessProperties properties;
  private final Clock clock;
  private volatile Snapshot snapshot;

  public Liveness(HeartbeatDao heartbeats, LivenessProperties properties, Clock clock) {
    this.heartbeats = heartbeats;
    this.properties = properties;
    this.clock = clock;
  }

  /** The liveness of an instance with this interval and last heartbeat, now. */
  public InstanceLiveness judge(Long intervalMs, Instant lastHeartbeatAt) {
    return judge(intervalMs, lastHeartbeatAt, clock.instant());
  }

  InstanceLiveness judge(Long intervalMs, Instant lastHeartbeatAt, Instant now) {
    if (intervalMs == null || lastHeartbeatAt == null) {
      return InstanceLiveness.UNKNOWN;
    }
    Duration allowed = Duration.ofMillis(intervalMs).multipliedBy(properties.missedHeartbeats());
    return lastHeartbeatAt.plus(allowed).isBefore(now)
        ? InstanceLiveness.DEAD
        : InstanceLiveness.LIVE;
  }

  /**
   * Unavailable when the participant has instances that send heartbeats and none of them is live. A
   * participant the registry does not know, or with an instance that sends no heartbeats, is not
   * judged: the coordinator cannot tell, so it does not refuse.
   */
  @Override
  public Optional<String> unavailable(String participant) {
    List<HeartbeatRow> rows = current().byParticipant().getOrDefault(participant, List.of());
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Instant last = null;
    for (HeartbeatRow row : rows) {
      InstanceLiveness state = judge(row.intervalMs(), row.lastHeartbeatAt(), now);
      if (state != InstanceLiveness.DEAD) {
        return Optional.empty();
      }
      if (last == null || row.lastHeartbeatAt().isAfter(last)) {
        last = row.lastHeartbeatAt();
      }
    }
    return Optional.of(
        "participant " + participant + " has no live instance (last heartbeat " + last + ")");
  }

  /** How many instances of the participant are live now (from the copy the door reads). */
  public int liveInstances(String participant) {
    return count(participant, InstanceLiveness.LIVE);
  }

  /** How many instances of the participant are dead now (from the copy the door reads). */
  public int deadInstances(String participant) {
    return count(participant, InstanceLiveness.DEAD);
  }

  /** Every instance as stored now (a fresh read, for the REST API). */
  public List<HeartbeatRow> instances() {
    List<HeartbeatRow> rows = heartbeats.findAll();
    snapshot = snapshotOf(rows);
    return rows;
  }

  private int count(String participant, InstanceLiveness wanted) {
    Instant now = clock.instant();
    int n = 0;
    for (HeartbeatRow row : current().byParticipant().getOrDefault(participant, List.of())) {
      if (judge(row.intervalMs(), row.lastHeartbeatAt(), now) == wanted) {
        n++;
      }
    }
    return n;
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    if (s == null || System.nanoTime() - s.readAtNanos() > properties.refreshInterval().toNanos()) {
      s = snapshotOf(heartbeats.findAll());
      snapshot = s;
    }
    return s;
  }

  private static Snapshot snapshotOf(List<HeartbeatRow> rows) {
    Map<String, List<HeartbeatRow>> byParticipant = new TreeMap<>();
    for (HeartbeatRow row : rows) {
      byParticipant.computeIfAbsent(row.participant(), k -> new ArrayList<>()).add(row);
    }
    return new Snapshot(byParticipant, System.nanoTime());
  }
}
