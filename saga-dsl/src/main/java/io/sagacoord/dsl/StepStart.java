package io.sagacoord.dsl;

import java.util.function.Function;

/**
 * A step that has a name and now needs its forward command.
 *
 * @param <D> the saga data type
 */
public interface StepStart<D> {

  /**
   * The forward command.
   *
   * @param participant who executes it
   * @param commandType the message type string sent in the headers (never a Java class name)
   * @param command maps the saga data to the command body (serialised by the JSON codec)
   */
  StepInvoked<D> invoke(
      ParticipantRef participant, String commandType, Function<? super D, ?> command);
}
