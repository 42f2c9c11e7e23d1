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
   * Returns once the start is committed.
   *
   * <p>Called inside a Spring-managed transaction, the start joins it (it commits or rolls back
   * with the caller's own writes). Otherwise it is queued and written together with other starts in
   * one transaction (group commit, {@code sec.starts.*}).
   *
   * @throws UnknownSagaTypeException if no such definition is loaded
   * @throws InvalidStartDataException if the data does not decode into the saga's data type
   * @throws IdempotencyKeyConflictException if the key started a saga with other data
   * @throws CoordinatorBusyException if too many starts are waiting to be written, or the commit
   *     was not confirmed in time; retrying with the same key is safe
   * @throws ParticipantUnavailableException if a participant of the first commands cannot take them
   *     now (no live instance, or an open circuit) and the start is to be refused ({@code
   *     sec.liveness.when-unavailable}, the definition, {@code sec.circuit.start-when-open});
   *     nothing was written
   */
  StartResult start(String sagaType, String idempotencyKey, String dataJson);

  /** Like {@link #start(String, String, String)} with the data encoded as JSON first. */
  StartResult start(String sagaType, String idempotencyKey, Object data);

  /** The saga as stored, if it exists. */
  Optional<SagaView> find(UUID sagaId);
}
