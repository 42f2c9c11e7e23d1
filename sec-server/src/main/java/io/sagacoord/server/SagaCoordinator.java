package io.sagacoord.server;

import java.util.Optional;
import java.util.UUID;

/**
 * The coordinator's Java API (a Spring bean). Starting is idempotent per (saga type, idempotency
 * key): the same key with the same data returns the saga it started; with other data it throws
 * {@link IdempotencyKeyConflictException}.
 */
public interface SagaCoordinator {

  /**
   * Starts a saga of the newest loaded version of {@code sagaType}: writes the instance, its first
   * log rows, commands and timers in one transaction; commands are published right after commit.
   *
   * @throws UnknownSagaTypeException if no such definition is loaded
   * @throws InvalidStartDataException if the data does not decode into the saga's data type
   * @throws IdempotencyKeyConflictException if the key started a saga with other data
   */
  StartResult start(String sagaType, String idempotencyKey, String dataJson);

  /** Like {@link #start(String, String, String)} with the data encoded as JSON first. */
  StartResult start(String sagaType, String idempotencyKey, Object data);

  /** The saga as stored, if it exists. */
  Optional<SagaView> find(UUID sagaId);
}
