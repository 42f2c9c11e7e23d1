package io.sagacoord.bridge;

import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Participant;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A participant on behalf of an HTTP service: the participant SDK consumes the command topic and
 * keeps its guarantees in the bridge's own database (inbox, stale attempts refused, compensation
 * before forward answered and fenced, deadline refusals), and each command that has to run becomes
 * one {@code POST} to the service (see {@link ServiceCaller}). The SDK answers repeats, stale
 * attempts, fenced and late commands without calling the service.
 */
public final class SagaBridge implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SagaBridge.class.getName());

  private final BridgeConfig config;
  private final Participant participant;
  private final BridgeMetrics metrics = new BridgeMetrics();
  private final ServiceCaller caller;
  private ScheduledExecutorService health;
  private volatile Boolean lastHealthy;

  /**
   * A bridge for {@code config} whose inbox lives in {@code dataSource}; {@code tuning} may change
   * further participant settings (topics, group, poll timings) before it is built.
   */
  public SagaBridge(
      BridgeConfig config, DataSource dataSource, Consumer<Participant.Builder> tuning) {
    this.config = Objects.requireNonNull(config, "config");
    ObjectMapper json =
        JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    Clock clock = Clock.systemUTC();
    this.caller = new ServiceCaller(config, json, clock, metrics);
    Participant.Builder builder =
        Participant.builder(config.participant())
            .kafka(config.kafka())
            .dataSource(dataSource)
            .jsonMapper(json)
            .clock(clock)
            // the bridge retries the service itself, with back-off, jitter and Retry-After
            .localRetries(LocalRetryPolicy.none())
            // with a health endpoint the bridge announces (see start); the SDK only once at start
            .announceInterval(
                config.healthPath() == null ? config.announceInterval() : Duration.ofDays(365))
            // and the service's health decides liveness: heartbeats only while it answers 2xx
            .aliveWhen(() -> config.healthUri() == null || Boolean.TRUE.equals(lastHealthy));
    if (config.commandTopic() != null) {
      builder.commandTopic(config.commandTopic());
    }
    for (String type : config.forwardTypes()) {
      builder.onCommand(type, JsonNode.class, caller::call);
    }
    for (String type : config.compensationTypes()) {
      builder.onCompensation(type, JsonNode.class, caller::call);
    }
    tuning.accept(builder);
    this.participant = builder.build();
  }

  public SagaBridge(BridgeConfig config, DataSource dataSource) {
    this(config, dataSource, builder -> {});
  }

  /** Migrates the inbox, creates missing topics and starts consuming. */
  public synchronized void start() {
    participant.start();
    if (config.healthUri() != null) {
      health =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "saga-bridge-" + config.participant() + "-health");
                t.setDaemon(true);
                return t;
              });
      long every = config.announceInterval().toMillis();
      health.scheduleWithFixedDelay(this::announceIfHealthy, every, every, TimeUnit.MILLISECONDS);
    }
    LOG.log(
        System.Logger.Level.INFO,
        "bridge for {0} started: forward {1}, compensate {2} -> {3}",
        config.participant(),
        config.forwardTypes(),
        config.compensationTypes(),
        config.baseUrl());
  }

  /**
   * Asks the service's health endpoint and announces the participant only if it answers 2xx, so the
   * coordinator's registry sees the service itself, not only its bridge.
   */
  void announceIfHealthy() {
    try {
      boolean healthy = caller.healthy(config.healthUri());
      if (!Boolean.valueOf(healthy).equals(lastHealthy)) {
        LOG.log(
            healthy ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
            healthy
                ? "bridge for {0}: {1} answers, announcing"
                : "bridge for {0}: {1} does not answer 2xx, not announcing",
            config.participant(),
            config.healthUri());
        lastHealthy = healthy;
      }
      if (healthy) {
        participant.announce();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "bridge for {0}: announcing failed: {1}",
          config.participant(),
          e.getMessage());
    }
  }

  /** The participant the bridge runs. */
  public Participant participant() {
    return participant;
  }

  public BridgeMetrics metrics() {
    return metrics;
  }

  public boolean isRunning() {
    return participant.isRunning();
  }

  @Override
  public synchronized void close() {
    if (health != null) {
      health.shutdownNow();
    }
    participant.close();
  }
}
