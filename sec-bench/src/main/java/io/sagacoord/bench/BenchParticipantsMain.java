package io.sagacoord.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.bench.BenchSaga.Cancel;
import io.sagacoord.bench.BenchSaga.Reserve;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.Participant;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The flight, hotel and car participants of the benchmark saga, in one process of their own (apart
 * from the coordinator). Each has its own database and does one insert per reserve, one delete per
 * cancel. System properties: {@code bench.kafka}, {@code bench.jdbc.flight}, {@code
 * bench.jdbc.hotel}, {@code bench.jdbc.car}, {@code bench.jdbc.user}, {@code bench.jdbc.password},
 * {@code bench.participant.threads} (consumer threads each, default 1), {@code bench.bridged}
 * (true: each participant is an HTTP service behind the saga bridge, {@link
 * BridgedBenchParticipant}).
 */
public final class BenchParticipantsMain {

  /** Printed when all three consume. */
  public static final String READY = "bench participants ready";

  static final String PRODUCER_PREFIX = "bench.participants.producer.";
  static final String CONSUMER_PREFIX = "bench.participants.consumer.";

  private BenchParticipantsMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, Object> kafka = Map.of("bootstrap.servers", required("bench.kafka"));
    int threads = Integer.getInteger("bench.participant.threads", 1);
    List<AutoCloseable> open = new ArrayList<>();
    open.add(
        start(
            BenchSaga.FLIGHTS.name(),
            "bench.jdbc.flight",
            BenchSaga.RESERVE_FLIGHT,
            BenchSaga.CANCEL_FLIGHT,
            kafka,
            threads,
            open));
    open.add(
        start(
            BenchSaga.HOTELS.name(),
            "bench.jdbc.hotel",
            BenchSaga.RESERVE_HOTEL,
            BenchSaga.CANCEL_HOTEL,
            kafka,
            threads,
            open));
    open.add(
        start(
            BenchSaga.CARS.name(),
            "bench.jdbc.car",
            BenchSaga.RESERVE_CAR,
            null,
            kafka,
            threads,
            open));
    System.out.println(READY);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (int i = open.size() - 1; i >= 0; i--) {
                    try {
                      open.get(i).close();
                    } catch (Exception e) {
                      System.err.println("closing failed: " + e);
                    }
                  }
                  stopped.countDown();
                }));
    stopped.await();
  }

  private static AutoCloseable start(
      String name,
      String jdbcProperty,
      String reserveType,
      String cancelType,
      Map<String, Object> kafka,
      int threads,
      List<AutoCloseable> open)
      throws SQLException, java.io.IOException {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(required(jdbcProperty));
    config.setUsername(System.getProperty("bench.jdbc.user", "postgres"));
    config.setPassword(System.getProperty("bench.jdbc.password", ""));
    config.setMaximumPoolSize(Math.max(2, threads + 1));
    HikariDataSource dataSource = new HikariDataSource(config);
    open.add(dataSource);
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS reservation ("
              + "saga_id uuid PRIMARY KEY, ref varchar(64) NOT NULL, created_at timestamptz NOT NULL)");
    }
    if (Boolean.getBoolean("bench.bridged")) {
      // the service has a pool of its own: the bridge's handlers hold theirs during the call
      HikariConfig serviceConfig = new HikariConfig();
      serviceConfig.setPoolName(name + "-service");
      serviceConfig.setJdbcUrl(config.getJdbcUrl());
      serviceConfig.setUsername(config.getUsername());
      serviceConfig.setPassword(config.getPassword());
      serviceConfig.setMaximumPoolSize(BridgedBenchParticipant.SERVICE_THREADS);
      HikariDataSource serviceDb = new HikariDataSource(serviceConfig);
      open.add(serviceDb);
      return BridgedBenchParticipant.start(
          name,
          reserveType,
          cancelType,
          kafka,
          serviceDb,
          dataSource,
          b -> {
            b.consumerThreads(threads);
            clientSettings(b);
          });
    }
    Participant.Builder builder =
        Participant.builder(name)
            .kafka(kafka)
            .dataSource(dataSource)
            .consumerThreads(threads)
            .onCommand(
                reserveType,
                Reserve.class,
                (ctx, cmd) -> {
                  if (cmd.fail()) {
                    return Outcome.businessFailure("no car left (benchmark)", "BENCH_FAILURE");
                  }
                  try (PreparedStatement insert =
                      ctx.connection()
                          .prepareStatement(
                              "INSERT INTO reservation (saga_id, ref, created_at) VALUES (?, ?, now())")) {
                    insert.setObject(1, ctx.sagaId());
                    insert.setString(2, cmd.ref());
                    insert.executeUpdate();
                  }
                  return Outcome.done();
                });
    if (cancelType != null) {
      builder.onCompensation(
          cancelType,
          Cancel.class,
          (ctx, cmd) -> {
            try (PreparedStatement delete =
                ctx.connection().prepareStatement("DELETE FROM reservation WHERE saga_id = ?")) {
              delete.setObject(1, ctx.sagaId());
              delete.executeUpdate();
            }
            return Outcome.done();
          });
    }
    clientSettings(builder);
    Participant participant = builder.build();
    participant.start();
    return participant;
  }

  /**
   * Client settings to try (for example -Dbench.participants.producer.linger.ms=0), passed on by
   * the driver from its own -Dbench.participants.producer.* and .consumer.* properties.
   */
  private static void clientSettings(Participant.Builder builder) {
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith(PRODUCER_PREFIX)) {
        builder.producerProperty(key.substring(PRODUCER_PREFIX.length()), System.getProperty(key));
      } else if (key.startsWith(CONSUMER_PREFIX)) {
        builder.consumerProperty(key.substring(CONSUMER_PREFIX.length()), System.getProperty(key));
      }
    }
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set");
    }
    return value;
  }
}
