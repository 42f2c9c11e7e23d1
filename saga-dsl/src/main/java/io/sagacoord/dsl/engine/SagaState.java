package io.sagacoord.dsl.engine;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The whole state of one saga instance: what the coordinator stores and the engine transforms.
 * Position is kept per step by name, never by index.
 *
 * @param sagaId saga id
 * @param sagaType definition name
 * @param definitionVersion definition version it runs on
 * @param fingerprint fingerprint of that definition when the saga started
 * @param status saga status
 * @param statusReason why it compensates, failed, was parked or resolved; null while plainly
 *     running or completed
 * @param dataJson saga data as JSON (through the codec)
 * @param steps every step by name, in definition order
 * @param deadline absolute deadline, null when the definition has none
 * @param createdAt start time
 * @param updatedAt time of the latest applied event
 * @param previousStatus the status before the saga became FAILED or PARKED (an operator retry or a
 *     resume returns to it); null otherwise
 */
public record SagaState(
    UUID sagaId,
    String sagaType,
    int definitionVersion,
    String fingerprint,
    SagaStatus status,
    String statusReason,
    String dataJson,
    Map<String, StepState> steps,
    Instant deadline,
    Instant createdAt,
    Instant updatedAt,
    SagaStatus previousStatus) {

  public SagaState {
    Objects.requireNonNull(sagaId, "sagaId must not be null");
    Objects.requireNonNull(sagaType, "sagaType must not be null");
    Objects.requireNonNull(status, "status must not be null");
    Objects.requireNonNull(steps, "steps must not be null");
    steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
  }

  /** A step's state by name. */
  public StepState step(String name) {
    StepState s = steps.get(name);
    if (s == null) {
      throw new IllegalArgumentException("saga " + sagaId + " has no step '" + name + "'");
    }
    return s;
  }

  SagaState withStatus(
      SagaStatus newStatus, String reason, SagaStatus newPreviousStatus, Instant now) {
    return new SagaState(
        sagaId,
        sagaType,
        definitionVersion,
        fingerprint,
        newStatus,
        reason,
        dataJson,
        steps,
        deadline,
        createdAt,
        now,
        newPreviousStatus);
  }

  SagaState withStep(StepState step, Instant now) {
    Map<String, StepState> copy = new LinkedHashMap<>(steps);
    copy.put(step.step(), step);
    return new SagaState(
        sagaId,
        sagaType,
        definitionVersion,
        fingerprint,
        status,
        statusReason,
        dataJson,
        copy,
        deadline,
        createdAt,
        now,
        previousStatus);
  }

  SagaState withData(String newDataJson, Instant now) {
    return new SagaState(
        sagaId,
        sagaType,
        definitionVersion,
        fingerprint,
        status,
        statusReason,
        newDataJson,
        steps,
        deadline,
        createdAt,
        now,
        previousStatus);
  }
}
