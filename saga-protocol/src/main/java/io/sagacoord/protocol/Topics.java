package io.sagacoord.protocol;

import java.util.regex.Pattern;

/**
 * The topic-naming rule. A participant named {@code flight-service} receives its commands on {@code
 * saga.flight-service.commands} unless its descriptor names another topic; the coordinator reads
 * replies from {@code saga.coordinator.replies}; participants announce themselves on {@code
 * saga.registry}.
 */
public final class Topics {

  /** Default topic on which the coordinator reads replies. */
  public static final String DEFAULT_REPLY_TOPIC = "saga.coordinator.replies";

  /** Default topic on which the coordinator reads start messages. */
  public static final String DEFAULT_START_TOPIC = "saga.coordinator.starts";

  /** Default topic of participant announcements. */
  public static final String DEFAULT_REGISTRY_TOPIC = "saga.registry";

  private static final Pattern PARTICIPANT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,99}");
  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private Topics() {}

  /**
   * The default command topic of a participant.
   *
   * @throws IllegalArgumentException if the name is not a valid participant name
   */
  public static String commandTopic(String participantName) {
    requireParticipantName(participantName);
    return "saga." + participantName + ".commands";
  }

  /**
   * The dead-letter topic of a participant: {@code saga.<participant>.dlq}. Records that cannot be
   * handled (unparseable, unknown command type, missing or bad headers) are copied there with a
   * {@link SagaHeaders#DLQ_REASON} header.
   *
   * @throws IllegalArgumentException if the name is not a valid participant name
   */
  public static String deadLetterTopic(String participantName) {
    requireParticipantName(participantName);
    return "saga." + participantName + ".dlq";
  }

  /**
   * Checks a participant name: lower-case letters, digits and dashes, starting with a letter or
   * digit, at most 100 characters.
   */
  public static String requireParticipantName(String name) {
    if (name == null || !PARTICIPANT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "participant name '"
              + name
              + "' must be 1-100 characters of a-z, 0-9 and '-', starting with a letter or digit");
    }
    return name;
  }

  /** Checks a Kafka topic name (legal characters, at most 249 of them, not "." or ".."). */
  public static String requireTopicName(String topic) {
    if (topic == null
        || !TOPIC_NAME.matcher(topic).matches()
        || topic.equals(".")
        || topic.equals("..")) {
      throw new IllegalArgumentException(
          "topic '" + topic + "' must be 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'");
    }
    return topic;
  }
}
