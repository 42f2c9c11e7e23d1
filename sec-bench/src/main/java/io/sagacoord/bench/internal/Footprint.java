package io.sagacoord.bench.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A snapshot of what the sagas leave behind; the difference of two, divided by the sagas. */
record Footprint(
    long logRows,
    long sagaRows,
    long sagaTableBytes,
    long walLsn,
    long secCommits,
    long participantCommits,
    long kafkaBytes,
    Map<String, Long> tableBytes,
    long instanceUpdates,
    long instanceHotUpdates,
    Map<String, Long> liveRowBytes) {

  /** The tables that keep rows per saga; the outbox and timers are queues that empty again. */
  static final List<String> KEPT = List.of("saga_instance", "saga_log");

  static Footprint take(BenchCluster cluster) throws Exception {
    long logRows;
    long sagaRows;
    long bytes;
    long lsn;
    long secCommits;
    Map<String, Long> tableBytes = new LinkedHashMap<>();
    Map<String, Long> liveRowBytes = new LinkedHashMap<>();
    long instanceUpdates;
    long instanceHotUpdates;
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      logRows = single(s, "SELECT count(*) FROM saga_log");
      sagaRows = single(s, "SELECT count(*) FROM saga_instance");
      bytes =
          single(
              s,
              "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                  + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname LIKE 'saga\\_%'");
      lsn = single(s, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
      secCommits = commits(s, "bench_sec");
      // table + indexes + TOAST of each saga_* table, to see where the bytes go
      try (ResultSet rs =
          s.executeQuery(
              "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                  + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname LIKE 'saga\\_%'"
                  + " ORDER BY c.relname")) {
        while (rs.next()) {
          tableBytes.put(rs.getString(1), rs.getLong(2));
        }
      }
      // heap-only (HOT) updates write no index entries, which keeps the indexes small
      instanceUpdates =
          single(s, "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'saga_instance'");
      instanceHotUpdates =
          single(
              s, "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'saga_instance'");
      // the bytes of the live rows themselves (pg_column_size of the row: header and data, no
      // page overhead, free space, dead versions or indexes)
      for (String table : KEPT) {
        liveRowBytes.put(
            table, single(s, "SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM " + table + " t"));
      }
    }
    long participantCommits = 0;
    try (Connection c = cluster.secConnection();
        Statement s = c.createStatement()) {
      for (String db : List.of("bench_flight", "bench_hotel", "bench_car")) {
        participantCommits += commits(s, db);
      }
    }
    long kafka = Ceiling.kafkaLogBytes(cluster.bootstrapServers(), List.of("bench.ceiling."));
    return new Footprint(
        logRows,
        sagaRows,
        bytes,
        lsn,
        secCommits,
        participantCommits,
        kafka,
        tableBytes,
        instanceUpdates,
        instanceHotUpdates,
        liveRowBytes);
  }

  private static long commits(Statement s, String db) throws SQLException {
    return single(s, "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + db + "'");
  }

  private static long single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Per saga, from {@code before} to this snapshot. */
  Map<String, Object> perSagaSince(Footprint before, long sagas) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sagas", sagas);
    m.put("saga_rows_added", sagaRows - before.sagaRows);
    m.put("log_rows_per_saga", per(logRows - before.logRows, sagas));
    m.put("table_and_index_bytes_per_saga", per(sagaTableBytes - before.sagaTableBytes, sagas));
    m.put("wal_bytes_per_saga_whole_cluster", per(walLsn - before.walLsn, sagas));
    m.put("coordinator_commits_per_saga", per(secCommits - before.secCommits, sagas));
    m.put(
        "participant_commits_per_saga", per(participantCommits - before.participantCommits, sagas));
    m.put("kafka_bytes_per_saga", per(kafkaBytes - before.kafkaBytes, sagas));
    Map<String, Object> byTable = new LinkedHashMap<>();
    tableBytes.forEach(
        (table, size) -> {
          long added = size - before.tableBytes.getOrDefault(table, 0L);
          if (added != 0) {
            byTable.put(table, per(added, sagas));
          }
        });
    m.put("table_and_index_bytes_per_saga_by_table", byTable);
    long kept = 0;
    for (String table : KEPT) {
      kept += tableBytes.getOrDefault(table, 0L) - before.tableBytes.getOrDefault(table, 0L);
    }
    m.put("kept_tables_bytes_per_saga", per(kept, sagas));
    Map<String, Object> live = new LinkedHashMap<>();
    long liveTotal = 0;
    for (String table : KEPT) {
      long added =
          liveRowBytes.getOrDefault(table, 0L) - before.liveRowBytes.getOrDefault(table, 0L);
      live.put(table, per(added, sagas));
      liveTotal += added;
    }
    live.put("total", per(liveTotal, sagas));
    m.put("live_row_bytes_per_saga", live);
    long updates = instanceUpdates - before.instanceUpdates;
    m.put("saga_instance_updates_per_saga", per(updates, sagas));
    m.put(
        "saga_instance_hot_update_share",
        updates == 0
            ? 0
            : PhaseStats.round(
                (double) (instanceHotUpdates - before.instanceHotUpdates) / updates));
    return m;
  }

  private static double per(long value, long sagas) {
    return sagas == 0 ? 0 : PhaseStats.round((double) value / sagas);
  }
}
