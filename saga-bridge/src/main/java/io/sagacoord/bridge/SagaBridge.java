package io.sagacoord.bridge;

import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Participant;
import java.time.Clock;
import java.util.Objects;
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
    ServiceCaller caller = new ServiceCaller(config, json, clock, metrics);
    Participant.Builder builder =
        Participant.builder(config.participant())
            .kafka(config.kafka())
            .dataSource(dataSource)
            .jsonMapper(json)
            .clock(clock)
            // the bridge retries the service itself, with back-off, jitter and Retry-After
            .localRetries(LocalRetryPolicy.none());
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
  public void start() {
    participant.start();
    LOG.log(
        System.Logger.Level.INFO,
        "bridge for {0} started: forward {1}, compensate {2} -> {3}",
        config.participant(),
        config.forwardTypes(),
        config.compensationTypes(),
        config.baseUrl());
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
  public void close() {
    participant.close();
  }
}
