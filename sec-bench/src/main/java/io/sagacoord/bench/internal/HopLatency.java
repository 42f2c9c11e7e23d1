package io.sagacoord.bench.internal;

import io.sagacoord.dsl.engine.LogEntryType;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.HdrHistogram.Histogram;

/**
 * Where the time of a completed saga goes, hop by hop, from timestamps the coordinator and the
 * participants commit: the saga row's {@code created_at} (start logged), each participant's {@code
 * reservation.created_at} (its transaction's {@code now()}: the participant took the command), the
 * {@code occurred_at} of the coordinator's {@code STEP_SUCCEEDED} row of each step (it applied the
 * reply) and the saga's {@code finished_at}. All are wall-clock times of one machine, so their
 * differences are comparable. Each database is read on its own and the rows are matched by saga id.
 *
 * <p>A hop into a participant ({@code coordinator_out_ms}: log row committed, outbox relayed,
 * command through Kafka, participant's transaction begun) and a hop back ({@code
 * participant_back_ms}: participant's commit, reply through Kafka, reply applied) are also pooled
 * over the three steps.
 */
final class HopLatency {
  private HopLatency() {}

  private static final String[] STEPS = {"reserve-flight", "reserve-hotel", "reserve-car"};
  private static final String[] DATABASES = {"bench_flight", "bench_hotel", "bench_car"};
  private static final int CHUNK = 5000;

  private static final String SEC_SELECT =
      "SELECT i.id, i.created_at, i.finished_at, l.step, min(l.occurred_at)"
          + " FROM saga_instance i JOIN saga_log l ON l.saga_id = i.id"
          + " WHERE i.id = ANY (?) AND i.status = 'COMPLETED' AND l.type = ?"
          + " AND l.step IN ('reserve-flight', 'reserve-hotel', 'reserve-car')"
          + " GROUP BY i.id, i.created_at, i.finished_at, l.step";

  private static final String RESERVATION_SELECT =
      "SELECT saga_id, created_at FROM reservation WHERE saga_id = ANY (?)";

  /** The coordinator's timestamps of one saga, epoch microseconds. */
  private static final class Coordinator {
    long created;
    long finished;
    final long[] applied = new long[STEPS.length];
  }

  /**
   * The hops of the sagas due in {@code [windowStartMicros, windowEndMicros)} that ended COMPLETED:
   * p50, p90 and p99 in milliseconds of each hop ({@code start_to_flight}, {@code
   * flight_to_applied}, {@code applied_to_hotel}, {@code hotel_to_applied}, {@code applied_to_car},
   * {@code car_to_applied}, {@code applied_to_finished}) and of the pooled {@code
   * coordinator_out_ms} and {@code participant_back_ms}, with the number of sagas measured. Null
   * when a participant database has no {@code reservation} table.
   */
  static Map<String, Object> measure(
      BenchCluster cluster, List<SagaRecord> records, long windowStartMicros, long windowEndMicros)
      throws SQLException {
    List<UUID> ids = new ArrayList<>();
    for (SagaRecord r : records) {
      if ("COMPLETED".equals(r.status)
          && r.id != null
          && r.intendedMicros >= windowStartMicros
          && r.intendedMicros < windowEndMicros) {
        ids.add(r.id);
      }
    }
    Map<UUID, Coordinator> coordinator = coordinatorTimes(cluster, ids);
    List<Map<UUID, Long>> participants = new ArrayList<>();
    String[] jdbc = cluster.participantJdbc();
    for (int i = 0; i < jdbc.length; i++) {
      Map<UUID, Long> taken = reservationTimes(cluster, jdbc[i], ids);
      if (taken == null) {
        BenchRunner.log("no reservation table in " + DATABASES[i] + ": hops_ms left null");
        return null;
      }
      participants.add(taken);
    }
    String[] names = {
      "start_to_flight",
      "flight_to_applied",
      "applied_to_hotel",
      "hotel_to_applied",
      "applied_to_car",
      "car_to_applied",
      "applied_to_finished"
    };
    Histogram[] hops = new Histogram[names.length];
    for (int i = 0; i < hops.length; i++) {
      hops[i] = histogram();
    }
    Histogram out = histogram();
    Histogram back = histogram();
    long sagas = 0;
    long[] negative = {0};
    for (Map.Entry<UUID, Coordinator> e : coordinator.entrySet()) {
      Coordinator c = e.getValue();
      long[] taken = new long[STEPS.length];
      boolean whole = c.finished > 0;
      for (int s = 0; s < STEPS.length && whole; s++) {
        Long t = participants.get(s).get(e.getKey());
        whole = t != null && c.applied[s] > 0;
        taken[s] = whole ? t : 0;
      }
      if (!whole) {
        continue;
      }
      sagas++;
      long before = c.created;
      for (int s = 0; s < STEPS.length; s++) {
        long toParticipant = taken[s] - before;
        long toApplied = c.applied[s] - taken[s];
        record(hops[2 * s], toParticipant, negative);
        record(hops[2 * s + 1], toApplied, negative);
        record(out, toParticipant, null);
        record(back, toApplied, null);
        before = c.applied[s];
      }
      record(hops[names.length - 1], c.finished - before, negative);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sagas", sagas);
    m.put("negative_hops_counted_as_0", negative[0]);
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], percentiles(hops[i]));
    }
    m.put("coordinator_out_ms", percentiles(out));
    m.put("participant_back_ms", percentiles(back));
    return m;
  }

  private static Map<UUID, Coordinator> coordinatorTimes(BenchCluster cluster, List<UUID> ids)
      throws SQLException {
    Map<UUID, Coordinator> times = new HashMap<>();
    try (Connection c = cluster.secConnection();
        PreparedStatement ps = c.prepareStatement(SEC_SELECT)) {
      for (int i = 0; i < ids.size(); i += CHUNK) {
        Array chunk =
            c.createArrayOf("uuid", ids.subList(i, Math.min(ids.size(), i + CHUNK)).toArray());
        ps.setArray(1, chunk);
        ps.setString(2, LogEntryType.STEP_SUCCEEDED.stored());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Coordinator t =
                times.computeIfAbsent(rs.getObject(1, UUID.class), k -> new Coordinator());
            t.created = micros(rs, 2);
            t.finished = micros(rs, 3);
            int step = List.of(STEPS).indexOf(rs.getString(4));
            t.applied[step] = micros(rs, 5);
          }
        }
      }
    }
    return times;
  }

  /** When each participant took the command, by saga; null without a {@code reservation} table. */
  private static Map<UUID, Long> reservationTimes(
      BenchCluster cluster, String jdbcUrl, List<UUID> ids) throws SQLException {
    Map<UUID, Long> times = new HashMap<>();
    try (Connection c = cluster.connect(jdbcUrl)) {
      try (ResultSet tables = c.getMetaData().getTables(null, null, "reservation", null)) {
        if (!tables.next()) {
          return null;
        }
      }
      try (PreparedStatement ps = c.prepareStatement(RESERVATION_SELECT)) {
        for (int i = 0; i < ids.size(); i += CHUNK) {
          ps.setArray(
              1,
              c.createArrayOf("uuid", ids.subList(i, Math.min(ids.size(), i + CHUNK)).toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              times.put(rs.getObject(1, UUID.class), micros(rs, 2));
            }
          }
        }
      }
    }
    return times;
  }

  private static long micros(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? 0 : Micros.of(t);
  }

  private static Histogram histogram() {
    return new Histogram(3_600_000_000L, 3);
  }

  /**
   * Records a hop; a negative one counts as 0 (and in {@code negative[0]} unless null): it would
   * mean two clock readings out of their causal order, which one clock does not give.
   */
  private static void record(Histogram h, long micros, long[] negative) {
    if (micros < 0 && negative != null) {
      negative[0]++;
    }
    h.recordValue(Math.max(0, Math.min(micros, h.getHighestTrackableValue())));
  }

  private static Map<String, Object> percentiles(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", PhaseStats.ms(h, 50));
    m.put("p90", PhaseStats.ms(h, 90));
    m.put("p99", PhaseStats.ms(h, 99));
    return m;
  }
}
