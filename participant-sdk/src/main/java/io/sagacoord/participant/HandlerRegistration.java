package io.sagacoord.participant;

import io.sagacoord.protocol.Phase;

/**
 * A handler bound to a command type and a phase. Command types are explicit strings (for example
 * {@code flight.reserve}), never class names.
 *
 * @param commandType the type string the coordinator puts in the {@code saga-command-type} header
 * @param phase {@link Phase#FORWARD} for a step's command, {@link Phase#COMPENSATE} for its undo
 * @param commandClass the record the JSON body is read into
 * @param handler the handler
 */
public record HandlerRegistration<C>(
    String commandType, Phase phase, Class<C> commandClass, CommandHandler<C> handler) {

  public HandlerRegistration {
    if (commandType == null || commandType.isBlank()) {
      throw new IllegalArgumentException("commandType must not be blank");
    }
    if (commandType.length() > 200) {
      throw new IllegalArgumentException("commandType must be at most 200 characters");
    }
    if (phase == null) {
      throw new IllegalArgumentException(
          "phase must not be null (command type " + commandType + ")");
    }
    if (commandClass == null) {
      throw new IllegalArgumentException(
          "commandClass must not be null (command type " + commandType + ")");
    }
    if (handler == null) {
      throw new IllegalArgumentException(
          "handler must not be null (command type " + commandType + ")");
    }
  }

  /** A forward (do) handler. */
  public static <C> HandlerRegistration<C> forward(
      String commandType, Class<C> commandClass, CommandHandler<C> handler) {
    return new HandlerRegistration<>(commandType, Phase.FORWARD, commandClass, handler);
  }

  /** A compensation (undo) handler. */
  public static <C> HandlerRegistration<C> compensation(
      String commandType, Class<C> commandClass, CommandHandler<C> handler) {
    return new HandlerRegistration<>(commandType, Phase.COMPENSATE, commandClass, handler);
  }
}
