package io.sagacoord.bridge;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.sagacoord.participant.Participant;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a bridge: {@code java -jar saga-bridge-exec.jar [bridge.properties]}. The settings come from
 * the file (or the file named by {@code BRIDGE_CONFIG}) and from environment variables, which win.
 * Stops cleanly on SIGTERM.
 */
public final class BridgeMain {

  private BridgeMain() {}

  public static void main(String[] args) throws Exception {
    Properties properties = new Properties();
    String file = args.length > 0 ? args[0] : System.getenv("BRIDGE_CONFIG");
    if (file != null) {
      try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        System.err.println("saga-bridge: cannot read " + file + ": " + e.getMessage());
        System.exit(2);
      }
    }
    BridgeConfig config;
    try {
      config = BridgeConfig.from(properties, System.getenv());
    } catch (IllegalArgumentException | NullPointerException e) {
      System.err.println("saga-bridge: " + e.getMessage() + " (see docs/bridge.md)");
      System.exit(2);
      return;
    }
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(config.jdbcUrl());
    pool.setUsername(config.jdbcUser());
    pool.setPassword(config.jdbcPassword());
    // each handler thread holds a connection while it handles a batch; two more for the rest
    pool.setMaximumPoolSize(Participant.Builder.DEFAULT_CONCURRENCY + 2);
    pool.setPoolName("saga-bridge-" + config.participant());
    HikariDataSource dataSource = new HikariDataSource(pool);
    OpenTelemetrySdk tracing = BridgeTracing.fromEnvironment(config.participant(), System.getenv());
    SagaBridge bridge =
        new SagaBridge(
            config,
            dataSource,
            builder -> {
              if (tracing != null) {
                builder.openTelemetry(tracing);
              }
            });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  bridge.close();
                  dataSource.close();
                  if (tracing != null) {
                    tracing.close();
                  }
                  stopped.countDown();
                },
                "saga-bridge-shutdown"));
    bridge.start();
    stopped.await();
  }
}
