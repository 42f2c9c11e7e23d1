package io.sagacoord.dsl;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One immutable step of a built definition. Timeouts and policies are the effective values (the
 * saga's defaults already applied). The functions are the definition author's code: the engine
 * calls them and turns any exception into a FAILED saga.
 *
 * @param <D> the saga data type
 */
public final class StepDefinition<D> {
  private final String name;
  private final String group;
  private final StepKind kind;
  private final ParticipantRef participant;
  private final String commandType;
  private final Function<? super D, ?> command;
  private final Class<?> replyType;
  private final BiFunction<D, Object, D> replyHandler;
  private final Class<?> failureType;
  private final BiFunction<D, Object, D> failureHandler;
  private final String compensationCommandType;
  private final Function<? super D, ?> compensation;
  private final boolean noCompensation;
  private final Duration timeout;
  private final RetryPolicy retry;
  private final RetryPolicy compensationRetry;
  private final Predicate<? super D> condition;

  StepDefinition(
      String name,
      String group,
      StepKind kind,
      ParticipantRef participant,
      String commandType,
      Function<? super D, ?> command,
      Class<?> replyType,
      BiFunction<D, Object, D> replyHandler,
      Class<?> failureType,
      BiFunction<D, Object, D> failureHandler,
      String compensationCommandType,
      Function<? super D, ?> compensation,
      boolean noCompensation,
      Duration timeout,
      RetryPolicy retry,
      RetryPolicy compensationRetry,
      Predicate<? super D> condition) {
    this.name = name;
    this.group = group;
    this.kind = kind;
    this.participant = participant;
    this.commandType = commandType;
    this.command = command;
    this.replyType = replyType;
    this.replyHandler = replyHandler;
    this.failureType = failureType;
    this.failureHandler = failureHandler;
    this.compensationCommandType = compensationCommandType;
    this.compensation = compensation;
    this.noCompensation = noCompensation;
    this.timeout = timeout;
    this.retry = retry;
    this.compensationRetry = compensationRetry;
    this.condition = condition;
  }

  /** The business name, unique in the saga; saga position is kept by this name. */
  public String name() {
    return name;
  }

  /** The parallel group this step belongs to, if any. */
  public Optional<String> group() {
    return Optional.ofNullable(group);
  }

  public StepKind kind() {
    return kind;
  }

  public ParticipantRef participant() {
    return participant;
  }

  /** The forward command's type string (never a Java class name). */
  public String commandType() {
    return commandType;
  }

  /** The compensation command's type, empty for pivot, retriable and noCompensation() steps. */
  public Optional<String> compensationCommandType() {
    return Optional.ofNullable(compensationCommandType);
  }

  /** Whether the step sends a compensation command when the saga compensates. */
  public boolean hasCompensation() {
    return compensation != null;
  }

  /** Whether the author said explicitly that nothing needs undoing. */
  public boolean declaresNoCompensation() {
    return noCompensation;
  }

  /** The type the success reply body is decoded into, empty when the reply is ignored. */
  public Optional<Class<?>> replyType() {
    return Optional.ofNullable(replyType);
  }

  /** The type a business failure body is decoded into, empty when no failure handler is set. */
  public Optional<Class<?>> failureType() {
    return Optional.ofNullable(failureType);
  }

  /** The forward timeout per attempt (default 30 s, or the saga's default). */
  public Duration timeout() {
    return timeout;
  }

  /** The forward retry policy (default {@link RetryPolicy#DEFAULT_FORWARD} or the saga's). */
  public RetryPolicy retry() {
    return retry;
  }

  /** The compensation retry policy (default {@link RetryPolicy#DEFAULT_COMPENSATION}). */
  public RetryPolicy compensationRetry() {
    return compensationRetry;
  }

  /** Whether a {@code when(...)} condition may skip this step. */
  public boolean conditional() {
    return condition != null;
  }

  /** Runs the condition (true when there is none). */
  public boolean isEnabledFor(D data) {
    return condition == null || condition.test(data);
  }

  /** Maps the saga data to the forward command. */
  public Object forwardCommand(D data) {
    return command.apply(data);
  }

  /**
   * Maps the saga data to the compensation command.
   *
   * @throws IllegalStateException if the step has no compensation
   */
  public Object compensationCommand(D data) {
    if (compensation == null) {
      throw new IllegalStateException("step '" + name + "' has no compensation");
    }
    return compensation.apply(data);
  }

  /**
   * Applies the success reply (already decoded into {@link #replyType()}); identity without one.
   */
  public D applyReply(D data, Object reply) {
    return replyHandler == null ? data : replyHandler.apply(data, reply);
  }

  /**
   * Applies a business failure body (decoded into {@link #failureType()}); identity without one.
   */
  public D applyFailure(D data, Object failure) {
    return failureHandler == null ? data : failureHandler.apply(data, failure);
  }

  @Override
  public String toString() {
    return "StepDefinition[" + name + ", " + kind + ", " + participant.name() + "]";
  }
}
