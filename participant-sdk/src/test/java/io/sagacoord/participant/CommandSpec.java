package io.sagacoord.participant;

import io.sagacoord.protocol.Phase;
import java.time.Instant;
import java.util.UUID;

/** A command as the coordinator would send it. */
public record CommandSpec(
    UUID sagaId,
    String step,
    Phase phase,
    int attempt,
    String commandId,
    String commandType,
    String body,
    Instant deadline) {

  public static CommandSpec forward(UUID sagaId, String type, String body) {
    return new CommandSpec(
        sagaId, "reserve-flight", Phase.FORWARD, 1, UUID.randomUUID().toString(), type, body, null);
  }

  public static CommandSpec compensation(UUID sagaId, String type, String body) {
    return new CommandSpec(
        sagaId,
        "reserve-flight",
        Phase.COMPENSATE,
        1,
        UUID.randomUUID().toString(),
        type,
        body,
        null);
  }

  public CommandSpec attempt(int attempt) {
    return new CommandSpec(
        sagaId, step, phase, attempt, UUID.randomUUID().toString(), commandType, body, deadline);
  }

  public CommandSpec deadline(Instant deadline) {
    return new CommandSpec(sagaId, step, phase, attempt, commandId, commandType, body, deadline);
  }
}
