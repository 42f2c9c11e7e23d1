package io.sagacoord.protocol;

import java.util.List;

/**
 * Kafka header names of the saga protocol. Every header value is a UTF-8 string. See {@code
 * docs/protocol.md} for which message kind carries which header.
 */
public final class SagaHeaders {

  /** The saga instance id, a UUID in its canonical text form. Also the record key. */
  public static final String SAGA_ID = "saga-id";

  /** The saga type (the definition's name), for example {@code trip-booking}. */
  public static final String SAGA_TYPE = "saga-type";

  /** The business name of the step, unique within a definition. */
  public static final String STEP = "saga-step";

  /** {@link Phase#wireName()}: {@code forward} or {@code compensate}. */
  public static final String PHASE = "saga-phase";

  /** The attempt number of this (saga, step, phase), starting at 1, as a decimal integer. */
  public static final String ATTEMPT = "saga-attempt";

  /** Unique id of one sent command (a UUID); a reply repeats the id of the command it answers. */
  public static final String COMMAND_ID = "saga-command-id";

  /** {@link MessageKind#wireName()}. */
  public static final String MESSAGE_KIND = "saga-message-kind";

  /** The command type string chosen in the definition, for example {@code flight.reserve}. */
  public static final String COMMAND_TYPE = "saga-command-type";

  /** The topic to which the participant must send its reply. */
  public static final String REPLY_TOPIC = "saga-reply-topic";

  /**
   * The saga deadline as epoch milliseconds (decimal). Only on forward commands; a compensation
   * never carries it and is never refused for lateness.
   */
  public static final String DEADLINE = "saga-deadline";

  /** On replies: {@link ReplyOutcome#name()}. */
  public static final String OUTCOME = "saga-outcome";

  /** On replies: the participant's name (the one that owns the command topic). */
  public static final String PARTICIPANT = "saga-participant";

  /** On dead-letter records: why the record was quarantined (free text). */
  /**
   * On a start message: the idempotency key (1-200 characters); the same key with the same data
   * starts one saga only.
   */
  public static final String IDEMPOTENCY_KEY = "saga-idempotency-key";

  public static final String DLQ_REASON = "saga-dlq-reason";

  /** On dead-letter records: the topic the record was read from. */
  public static final String DLQ_SOURCE_TOPIC = "saga-dlq-source-topic";

  /** On dead-letter records: the partition the record was read from (decimal). */
  public static final String DLQ_SOURCE_PARTITION = "saga-dlq-source-partition";

  /** On dead-letter records: the offset the record was read from (decimal). */
  public static final String DLQ_SOURCE_OFFSET = "saga-dlq-source-offset";

  /** W3C trace context, optional. */
  public static final String TRACEPARENT = "traceparent";

  /** Headers every command must carry. */
  public static final List<String> REQUIRED_ON_COMMAND =
      List.of(
          SAGA_ID,
          SAGA_TYPE,
          STEP,
          PHASE,
          ATTEMPT,
          COMMAND_ID,
          MESSAGE_KIND,
          COMMAND_TYPE,
          REPLY_TOPIC);

  /** Headers every reply must carry. */
  public static final List<String> REQUIRED_ON_REPLY =
      List.of(
          SAGA_ID, SAGA_TYPE, STEP, PHASE, ATTEMPT, COMMAND_ID, MESSAGE_KIND, OUTCOME, PARTICIPANT);

  private SagaHeaders() {}
}
