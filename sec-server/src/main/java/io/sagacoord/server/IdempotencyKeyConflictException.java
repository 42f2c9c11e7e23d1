package io.sagacoord.server;

import java.util.UUID;

/** The idempotency key already started a saga, with another request body. */
public class IdempotencyKeyConflictException extends SecException {
  private final String sagaType;
  private final String idempotencyKey;
  private final UUID existingSagaId;

  public IdempotencyKeyConflictException(
      String sagaType, String idempotencyKey, UUID existingSagaId) {
    super(
        "idempotency key '"
            + idempotencyKey
            + "' already started saga "
            + existingSagaId
            + " of type '"
            + sagaType
            + "' with a different body");
    this.sagaType = sagaType;
    this.idempotencyKey = idempotencyKey;
    this.existingSagaId = existingSagaId;
  }

  public String sagaType() {
    return sagaType;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  public UUID existingSagaId() {
    return existingSagaId;
  }
}
