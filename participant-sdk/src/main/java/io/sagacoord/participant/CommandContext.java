package io.sagacoord.participant;

import io.sagacoord.protocol.Phase;
import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a handler knows about the command it handles.
 *
 * @param sagaId the saga instance id
 * @param sagaType the saga definition's name
 * @param step the step name
 * @param phase forward or compensate
 * @param attempt the attempt asked by the coordinator, from 1
 * @param commandId the id of this sent command
 * @param commandType the command type string, for example {@code flight.reserve}
 * @param deadline the saga deadline, only on forward commands that carry one
 * @param connection the connection of the SDK's transaction: use it, never commit or close it
 */
public record CommandContext(
    UUID sagaId,
    String sagaType,
    String step,
    Phase phase,
    int attempt,
    String commandId,
    String commandType,
    Optional<Instant> deadline,
    Connection connection) {}
