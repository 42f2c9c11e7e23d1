package io.sagacoord.participant;

import io.sagacoord.participant.internal.Announcement;
import io.sagacoord.participant.internal.Heartbeat;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The instance's messages on the registry topic: announcements (what it handles, how often its
 * heartbeats follow) and heartbeats (it is alive). Both are keyed by the participant name.
 */
final class RegistryPublisher {
  // logs as the participant, whose lifecycle lines these are
  private static final System.Logger LOG = System.getLogger(Participant.class.getName());

  private final ParticipantSettings settings;
  private final Producer<String, byte[]> producer;
  private volatile boolean heartbeatFailing;

  RegistryPublisher(ParticipantSettings settings, Producer<String, byte[]> producer) {
    this.settings = settings;
    this.producer = producer;
  }

  /** Publishes one announcement and waits for Kafka to take it. */
  void announce() {
    Announcement body =
        new Announcement(
            settings.name(),
            settings.instanceId(),
            settings.version(),
            settings.commandTypes(Phase.FORWARD),
            settings.commandTypes(Phase.COMPENSATE),
            settings.clock().instant(),
            settings.heartbeatInterval().toMillis());
    sendAndWait(registryRecord(MessageKind.ANNOUNCEMENT, body), "announcement");
  }

  /** Publishes one heartbeat and waits for Kafka to take it. */
  void heartbeat() {
    sendAndWait(heartbeatRecord(), "heartbeat");
  }

  /** Announces, logging a failure instead of throwing it. */
  void announceQuietly() {
    try {
      announce();
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "participant " + settings.name() + ": announce failed", e);
    }
  }

  /**
   * Sends a heartbeat without waiting, while the instance counts as alive; one warning when
   * heartbeats start failing, one line when they heal.
   */
  void heartbeatQuietly() {
    try {
      if (!settings.alive().getAsBoolean()) {
        return;
      }
      producer.send(
          heartbeatRecord(),
          (metadata, failure) -> {
            if (failure != null && !heartbeatFailing) {
              heartbeatFailing = true;
              LOG.log(
                  System.Logger.Level.WARNING,
                  "participant {0}: heartbeats fail ({1}); the coordinator may count this instance"
                      + " as dead",
                  settings.name(),
                  String.valueOf(failure));
            } else if (failure == null && heartbeatFailing) {
              heartbeatFailing = false;
              LOG.log(
                  System.Logger.Level.INFO,
                  "participant {0}: heartbeats sent again",
                  settings.name());
            }
          });
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "participant " + settings.name() + ": heartbeat failed", e);
    }
  }

  private ProducerRecord<String, byte[]> heartbeatRecord() {
    Heartbeat body =
        new Heartbeat(
            settings.name(),
            settings.instanceId(),
            settings.heartbeatInterval().toMillis(),
            settings.clock().instant());
    return registryRecord(MessageKind.HEARTBEAT, body);
  }

  private ProducerRecord<String, byte[]> registryRecord(MessageKind kind, Object body) {
    return new ProducerRecord<>(
        settings.registryTopic(),
        null,
        settings.name(),
        settings.json().writeValueAsBytes(body),
        List.of(
            new RecordHeader(
                SagaHeaders.MESSAGE_KIND, kind.wireName().getBytes(StandardCharsets.UTF_8)),
            new RecordHeader(
                SagaHeaders.PARTICIPANT, settings.name().getBytes(StandardCharsets.UTF_8))));
  }

  private void sendAndWait(ProducerRecord<String, byte[]> record, String what) {
    try {
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParticipantException(what + " of " + settings.name() + " interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new ParticipantException(what + " of " + settings.name() + " failed", e);
    }
  }
}
