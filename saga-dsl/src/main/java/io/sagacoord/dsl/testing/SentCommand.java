package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.protocol.RefusalCode;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A command the saga sent and the test expected; answer it with one of the {@code reply*} methods
 * (or {@link #noReply()} to let it time out). Replies may be sent at any time, also to an older
 * attempt (to test that stale replies are ignored).
 *
 * @param <D> the saga data type
 */
public final class SentCommand<D> {
  private final SagaHarness<D> harness;
  private final SendCommand command;

  SentCommand(SagaHarness<D> harness, SendCommand command) {
    this.harness = harness;
    this.command = command;
  }

  /** The command as the engine emitted it. */
  public SendCommand command() {
    return command;
  }

  public int attempt() {
    return command.attempt();
  }

  /** Decodes the payload through the codec and hands it to an assertion. */
  public <T> SentCommand<D> withPayload(Class<T> type, Consumer<? super T> assertion) {
    assertion.accept(harness.codec().decode(command.payloadJson(), type));
    return this;
  }

  /** Expects a specific attempt number (1 for the first). */
  public SentCommand<D> withAttempt(int attempt) {
    if (command.attempt() != attempt) {
      throw new AssertionError(
          "expected attempt " + attempt + " of " + describe() + " but was " + command.attempt());
    }
    return this;
  }

  /** Answers SUCCESS with the reply encoded by the codec (null: an empty object). */
  public SagaHarness<D> replySuccess(Object reply) {
    return harness.reply(
        command, ReplyOutcome.SUCCESS, reply == null ? "{}" : harness.codec().encode(reply));
  }

  /** Answers SUCCESS with an empty body. */
  public SagaHarness<D> replySuccess() {
    return replySuccess(null);
  }

  /** Answers BUSINESS_FAILURE with the body encoded by the codec. */
  public SagaHarness<D> replyBusinessFailure(Object failure) {
    return harness.reply(
        command,
        ReplyOutcome.BUSINESS_FAILURE,
        failure == null ? "{}" : harness.codec().encode(failure));
  }

  /** Answers TECHNICAL_FAILURE with {@code {"reason": ..., "code": null}} (protocol 4). */
  public SagaHarness<D> replyTechnicalFailure(String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("reason", reason);
    body.put("code", null);
    return harness.reply(command, ReplyOutcome.TECHNICAL_FAILURE, harness.codec().encode(body));
  }

  /** Answers REFUSED with {@code {"reason": ..., "code": ...}} (protocol 4). */
  public SagaHarness<D> replyRefused(RefusalCode code) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("reason", "refused by the test");
    body.put("code", code.name());
    return harness.reply(command, ReplyOutcome.REFUSED, harness.codec().encode(body));
  }

  /** Sends no reply; move the clock to let the attempt time out. */
  public SagaHarness<D> noReply() {
    return harness;
  }

  String describe() {
    return RunAssertions.describe(command);
  }
}
