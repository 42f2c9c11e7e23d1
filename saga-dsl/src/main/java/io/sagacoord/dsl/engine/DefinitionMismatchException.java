package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDslException;
import java.util.UUID;

/**
 * The engine was handed a definition that is not the one the saga runs on (other name or version).
 * The coordinator should park such a saga instead.
 */
public class DefinitionMismatchException extends SagaDslException {
  private final UUID sagaId;

  public DefinitionMismatchException(UUID sagaId, String message) {
    super("saga " + sagaId + ": " + message);
    this.sagaId = sagaId;
  }

  public UUID sagaId() {
    return sagaId;
  }
}
