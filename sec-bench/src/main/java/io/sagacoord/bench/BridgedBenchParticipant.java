package io.sagacoord.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.bridge.BridgeConfig;
import io.sagacoord.bridge.SagaBridge;
import io.sagacoord.participant.Participant;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A benchmark participant as an HTTP service behind the saga bridge (the bridged variant, {@code
 * -Dbench.bridged=true}): the same insert per reserve and delete per cancel as the embedded one,
 * each in the service's own transaction together with its stored answer under the {@code
 * Idempotency-Key}, as {@code docs/bridge.md} asks of a service. The bridge keeps its inbox in the
 * same database and calls the service over the loopback.
 */
final class BridgedBenchParticipant implements AutoCloseable {
  /** HTTP threads of the service: as many as the bridge's handler threads. */
  static final int SERVICE_THREADS = Participant.Builder.DEFAULT_CONCURRENCY;

  private static final String REFUSAL =
      "{\"reason\":\"no car left (benchmark)\",\"code\":\"BENCH_FAILURE\"}";

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HikariDataSource dataSource;
  private final HttpServer server;
  private final ExecutorService executor;
  private final SagaBridge bridge;

  private BridgedBenchParticipant(
      String name,
      String reserveType,
      String cancelType,
      Map<String, Object> kafka,
      HikariDataSource dataSource,
      DataSource bridgeDb,
      Consumer<Participant.Builder> tuning)
      throws IOException, SQLException {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS idempotency ("
              + "key varchar(512) PRIMARY KEY, status int NOT NULL, body text NOT NULL)");
    }
    executor = Executors.newFixedThreadPool(SERVICE_THREADS);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/saga/" + reserveType, exchange -> answer(exchange, true));
    if (cancelType != null) {
      server.createContext("/saga/" + cancelType, exchange -> answer(exchange, false));
    }
    server.start();
    BridgeConfig config =
        new BridgeConfig(
            name,
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            null,
            kafka,
            dataSource.getJdbcUrl(),
            dataSource.getUsername(),
            dataSource.getPassword(),
            List.of(reserveType),
            cancelType == null ? List.of() : List.of(cancelType),
            Map.of(),
            BridgeConfig.Http.DEFAULT,
            null,
            BridgeConfig.DEFAULT_ANNOUNCE_INTERVAL);
    bridge = new SagaBridge(config, bridgeDb, tuning);
    bridge.start();
  }

  /**
   * Starts the service on {@code serviceDb} (a free loopback port) and the bridge in front of it,
   * its inbox in {@code bridgeDb} (the same database, a pool of its own).
   */
  static BridgedBenchParticipant start(
      String name,
      String reserveType,
      String cancelType,
      Map<String, Object> kafka,
      HikariDataSource serviceDb,
      DataSource bridgeDb,
      Consumer<Participant.Builder> tuning)
      throws IOException, SQLException {
    return new BridgedBenchParticipant(
        name, reserveType, cancelType, kafka, serviceDb, bridgeDb, tuning);
  }

  private void answer(HttpExchange exchange, boolean reserve) throws IOException {
    try (exchange) {
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      String sagaId = exchange.getRequestHeaders().getFirst("Saga-Id");
      JsonNode command;
      try (InputStream in = exchange.getRequestBody()) {
        command = json.readTree(in.readAllBytes());
      }
      int status;
      String body;
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        String[] stored = stored(c, key);
        if (stored != null) {
          status = Integer.parseInt(stored[0]);
          body = stored[1];
        } else if (reserve && command.path("fail").asBoolean(false)) {
          // a refusal changes nothing and is not stored
          status = 422;
          body = REFUSAL;
        } else {
          if (reserve) {
            insert(c, sagaId, command.path("ref").asString());
          } else {
            delete(c, sagaId);
          }
          status = 200;
          body = "{}";
          store(c, key, status, body);
        }
        c.commit();
      } catch (SQLException e) {
        // rolled back by the close: nothing done, the bridge calls again
        status = 503;
        body = "{\"reason\":\"" + e.getClass().getSimpleName() + "\"}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static String[] stored(Connection c, String key) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT status, body FROM idempotency WHERE key = ?")) {
      s.setString(1, key);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? new String[] {rows.getString(1), rows.getString(2)} : null;
      }
    }
  }

  private static void store(Connection c, String key, int status, String body) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("INSERT INTO idempotency (key, status, body) VALUES (?, ?, ?)")) {
      s.setString(1, key);
      s.setInt(2, status);
      s.setString(3, body);
      s.executeUpdate();
    }
  }

  private static void insert(Connection c, String sagaId, String ref) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO reservation (saga_id, ref, created_at) VALUES (?, ?, now())")) {
      s.setObject(1, UUID.fromString(sagaId));
      s.setString(2, ref);
      s.executeUpdate();
    }
  }

  private static void delete(Connection c, String sagaId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM reservation WHERE saga_id = ?")) {
      s.setObject(1, UUID.fromString(sagaId));
      s.executeUpdate();
    }
  }

  @Override
  public void close() {
    bridge.close();
    server.stop(0);
    executor.shutdownNow();
  }
}
