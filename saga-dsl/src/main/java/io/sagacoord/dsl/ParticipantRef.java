package io.sagacoord.dsl;

import io.sagacoord.protocol.Topics;
import java.util.Objects;

/**
 * A service that executes saga steps: its name and the topic it reads commands from.
 *
 * @param name participant name (lower-case letters, digits and dashes)
 * @param commandTopic the Kafka topic of its commands
 */
public record ParticipantRef(String name, String commandTopic) {

  public ParticipantRef {
    Topics.requireParticipantName(name);
    Topics.requireTopicName(Objects.requireNonNull(commandTopic, "commandTopic must not be null"));
  }

  /**
   * A participant whose command topic follows the protocol's rule: {@code saga.<name>.commands}.
   */
  public static ParticipantRef named(String name) {
    return new ParticipantRef(name, Topics.commandTopic(name));
  }

  /** The same participant reading commands from another topic. */
  public ParticipantRef withCommandTopic(String topic) {
    return new ParticipantRef(name, topic);
  }
}
