package io.sagacoord.dsl.engine;

import io.sagacoord.protocol.Phase;
import java.util.UUID;

/**
 * One line of the saga log produced by a transition.
 *
 * @param type what happened, e.g. SAGA_STARTED, COMMAND_SENT, STEP_SUCCEEDED, STEP_FAILED,
 *     STEP_TIMED_OUT, RETRY_SCHEDULED, COMPENSATION_STARTED, STEP_COMPENSATED, SAGA_COMPLETED,
 *     SAGA_COMPENSATED, SAGA_FAILED, DEFINITION_CODE_FAILED, OPERATOR_RETRY, OPERATOR_*
 * @param step step concerned, null for saga-level entries
 * @param phase phase concerned, null when none
 * @param attempt attempt concerned, 0 when none
 * @param commandId command concerned, null when none
 * @param detailJson a JSON object with details (never null)
 */
public record LogEntry(
    String type, String step, Phase phase, int attempt, UUID commandId, String detailJson) {}
