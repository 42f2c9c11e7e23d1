package io.sagacoord.client;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * One saga as {@code GET /api/sagas/{id}} answers it. {@link SagaClient#data} decodes {@link
 * #data()} into a type of yours.
 */
public record Saga(
    UUID id,
    Definition definition,
    String status,
    String statusReason,
    String previousStatus,
    String businessKey,
    JsonNode data,
    List<Step> steps,
    List<Timer> timers,
    Instant deadline,
    Instant createdAt,
    Instant updatedAt) {

  /** Statuses in which no reply or timer moves a saga any more. */
  public static final Set<String> END_STATUSES = Set.of("COMPLETED", "COMPENSATED", "FAILED");

  /** True when COMPLETED, COMPENSATED or FAILED (a FAILED saga waits for an operator). */
  public boolean ended() {
    return END_STATUSES.contains(status);
  }

  /** The definition a saga runs on; {@code loaded} is false when this coordinator lacks it. */
  public record Definition(String name, int version, String fingerprint, boolean loaded) {}

  /** One step of the saga. */
  public record Step(
      String step,
      String status,
      String participant,
      String kind,
      int forwardAttempt,
      int compensationAttempt,
      UUID commandId,
      Instant startedAt,
      Instant finishedAt,
      String lastError) {}

  /** A pending durable timer. */
  public record Timer(String kind, String step, String phase, int attempt, Instant dueAt) {}
}
