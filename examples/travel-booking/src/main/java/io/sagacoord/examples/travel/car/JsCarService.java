package io.sagacoord.examples.travel.car;

import io.sagacoord.bridge.BridgeConfig;
import io.sagacoord.bridge.SagaBridge;
import io.sagacoord.examples.travel.trip.TripSaga;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The car service in JavaScript ({@code car-service-js/car-service.js}) run by Node.js, with the
 * saga bridge in front of it: the bridge takes part in trip sagas as {@code car-service} and calls
 * the script over HTTP. The script keeps its reservations in its own data file; the bridge keeps
 * its inbox in the car database. {@link #stopService()} and {@link #startService()} stop and start
 * the script alone (on the same port, with the same data), as when the service is down for a while.
 */
public final class JsCarService implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  /**
   * How to run the script.
   *
   * @param node the Node.js command, e.g. {@code node}
   * @param script the path of {@code car-service.js}
   * @param dataFile where the script keeps its reservations and stored answers
   * @param carsPerDay cars at each location on each day
   * @param carsAt cars per day at named locations, over {@code carsPerDay}
   * @param http how the bridge calls the script ({@link BridgeConfig.Http#DEFAULT} in the demo)
   */
  public record Settings(
      String node,
      Path script,
      Path dataFile,
      int carsPerDay,
      Map<String, Integer> carsAt,
      BridgeConfig.Http http) {
    public Settings {
      carsAt = Map.copyOf(carsAt);
    }

    /** The script of this repository, seen from the repository's root or this example's folder. */
    public static Path defaultScript() {
      Path inExample = Path.of("car-service-js", "car-service.js");
      return Files.exists(inExample)
          ? inExample
          : Path.of("examples", "travel-booking").resolve(inExample);
    }
  }

  private final Settings settings;
  private volatile SagaBridge bridge;
  private volatile Process process;
  private volatile int port;

  private JsCarService(Settings settings) {
    this.settings = settings;
  }

  /**
   * Starts the script on a free port, then the bridge for it, whose inbox lives in {@code
   * bridgeDb}.
   */
  public static JsCarService start(
      Settings settings,
      Map<String, Object> kafka,
      String jdbcUrl,
      String jdbcUser,
      String jdbcPassword,
      DataSource bridgeDb) {
    if (!Files.isRegularFile(settings.script())) {
      throw new IllegalStateException(
          "car-service.js not found at " + settings.script().toAbsolutePath().normalize());
    }
    JsCarService service = new JsCarService(settings);
    service.launch(0);
    try {
      BridgeConfig config =
          new BridgeConfig(
              TripSaga.CARS.name(),
              URI.create("http://127.0.0.1:" + service.port),
              null,
              kafka,
              jdbcUrl,
              jdbcUser,
              jdbcPassword,
              List.of(TripSaga.RESERVE_CAR),
              List.of(TripSaga.CANCEL_CAR),
              Map.of(),
              settings.http(),
              "/health",
              BridgeConfig.DEFAULT_ANNOUNCE_INTERVAL);
      service.bridge = new SagaBridge(config, bridgeDb);
      service.bridge.start();
      return service;
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  /** The script's base URL. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The bridge in front of the script. */
  public SagaBridge bridge() {
    return bridge;
  }

  /** Stops the script (SIGTERM, then SIGKILL); the bridge keeps running and finds it gone. */
  public synchronized void stopService() {
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the script again on its port, with the data it had. */
  public synchronized void startService() {
    if (process == null) {
      launch(port);
    }
  }

  private void launch(int onPort) {
    ProcessBuilder builder =
        new ProcessBuilder(
                settings.node(), settings.script().toAbsolutePath().normalize().toString())
            .redirectErrorStream(true);
    builder.environment().put("PORT", Integer.toString(onPort));
    builder.environment().put("DATA_FILE", settings.dataFile().toAbsolutePath().toString());
    builder.environment().put("CARS_PER_DAY", Integer.toString(settings.carsPerDay()));
    builder
        .environment()
        .put(
            "CARS_AT",
            settings.carsAt().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",")));
    Process started;
    try {
      started = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run '" + settings.node() + "' (is Node.js installed?): " + e.getMessage(), e);
    }
    CompletableFuture<Integer> listening = new CompletableFuture<>();
    Thread output =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  System.out.println("[car-service.js] " + line);
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    listening.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              listening.completeExceptionally(
                  new IllegalStateException("car-service.js ended before it listened"));
            },
            "car-service-js-output");
    output.setDaemon(true);
    output.start();
    try {
      port = listening.get(60, TimeUnit.SECONDS);
      process = started;
    } catch (ExecutionException | TimeoutException e) {
      started.destroyForcibly();
      throw new IllegalStateException(
          "car-service.js did not start: "
              + (e.getCause() != null ? e.getCause().getMessage() : e.toString()),
          e);
    } catch (InterruptedException e) {
      started.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while car-service.js started", e);
    }
  }

  /** Stops the bridge, then the script. */
  @Override
  public void close() {
    try {
      if (bridge != null) {
        bridge.close();
      }
    } finally {
      stopService();
    }
  }
}
