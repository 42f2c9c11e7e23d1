package io.sagacoord.server.internal.kafka;

import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.liveness.RegistryHeartbeats;
import io.sagacoord.server.internal.ops.WorkerLoop;
import io.sagacoord.server.internal.storage.ParticipantDao;
import io.sagacoord.server.internal.storage.ParticipantDao.ParticipantRow;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads participant announcements from the registry topic into {@code saga_participant} (the newest
 * per participant instance), so every coordinator instance answers {@code GET /api/participants}
 * alike. Each coordinator reads the whole topic in its own group (an upsert is idempotent); an
 * announcement that cannot be read is logged and skipped, it never stops the consumer.
 */
@Component
public class RegistryConsumer extends WorkerLoop {

  private static final Log log = LogFactory.getLog(RegistryConsumer.class);

  private final SecProperties properties;
  private final SecApiProperties api;
  private final ParticipantDao participants;
  private final RegistryHeartbeats heartbeats;
  private final ObjectMapper json;
  private final Clock clock;
  private volatile KafkaConsumer<String, byte[]> consumer;

  public RegistryConsumer(
      SecProperties properties,
      SecApiProperties api,
      ParticipantDao participants,
      RegistryHeartbeats heartbeats,
      ObjectMapper json,
      Clock clock) {
    super("sec-registry", "Registry consumer", DEFAULT_PHASE, Duration.ofSeconds(1));
    this.properties = properties;
    this.api = api;
    this.participants = participants;
    this.heartbeats = heartbeats;
    this.json = json;
    this.clock = clock;
  }

  @Override
  protected boolean enabled() {
    return api.registryEnabled();
  }

  @Override
  protected void starting() {
    consumer = new KafkaConsumer<>(KafkaClients.registryConsumer(properties));
  }

  @Override
  protected void open(int worker) {
    consumer.subscribe(List.of(api.registryTopic()));
  }

  @Override
  protected void pass(int worker) {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
      handle(record);
    }
  }

  @Override
  protected void close(int worker) {
    consumer.close(Duration.ofSeconds(5));
  }

  @Override
  protected void stopping() {
    consumer.wakeup();
  }

  void handle(ConsumerRecord<String, byte[]> record) {
    try {
      JsonNode node = json.readTree(record.value());
      if (isHeartbeat(record)) {
        heartbeats.heartbeat(node);
        return;
      }
      String participant = node.path("participant").asString(null);
      String instance = node.path("instance").asString(null);
      if (participant == null || participant.isBlank() || instance == null || instance.isBlank()) {
        log.warn("Skipped a registry announcement without participant or instance");
        return;
      }
      Instant now = clock.instant();
      JsonNode at = node.get("announcedAt");
      Instant announcedAt = at == null || at.isNull() ? now : parseInstant(at);
      participants.upsert(
          new ParticipantRow(
              participant,
              instance,
              node.path("version").asString(null),
              arrayJson(node.get("commandTypes")),
              arrayJson(node.get("compensationTypes")),
              announcedAt,
              now));
      heartbeats.announced(participant, instance, node.get("heartbeatIntervalMs"));
    } catch (RuntimeException e) {
      log.warn(
          "Skipped an unreadable registry record at "
              + record.topic()
              + "-"
              + record.partition()
              + "@"
              + record.offset()
              + ": "
              + e.getMessage());
    }
  }

  private static Instant parseInstant(JsonNode at) {
    if (at.isNumber()) {
      // Jackson may write instants as epoch seconds with a fraction
      double seconds = at.asDouble();
      long whole = (long) Math.floor(seconds);
      return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9));
    }
    return Instant.parse(at.asString());
  }

  private String arrayJson(JsonNode node) {
    if (node == null || !node.isArray()) {
      return "[]";
    }
    return json.writeValueAsString(node);
  }

  /** Whether the record is a heartbeat (header {@code saga-message-kind: heartbeat}). */
  static boolean isHeartbeat(ConsumerRecord<String, byte[]> record) {
    Header kind = record.headers().lastHeader(SagaHeaders.MESSAGE_KIND);
    return kind != null
        && kind.value() != null
        && MessageKind.HEARTBEAT
            .wireName()
            .equals(new String(kind.value(), StandardCharsets.UTF_8));
  }
}
