package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.SagaEnded;
import io.sagacoord.dsl.engine.Transition.Disposition;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Definition code (a condition, mapper, handler, or the codec on its values) threw. It never leaves
 * the engine: {@link #failedSaga} turns it into a FAILED saga.
 */
final class DefinitionCodeFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String step;
  private final String code;

  /**
   * @param step the step whose code threw ({@code "-"} for the saga data itself)
   * @param code which code it was, e.g. "reply handler"
   */
  DefinitionCodeFailure(String step, String code, Throwable cause) {
    super(cause);
    this.step = step;
    this.code = code;
  }

  /**
   * The saga as it was before {@code event} (null: at its start), FAILED with the error on the
   * step, and a log of the failure with the exception, its stack trace and the event.
   */
  Transition failedSaga(SagaState before, SagaEvent event, Instant now) {
    Throwable cause = getCause();
    String reason =
        "definition code failed at step '"
            + step
            + "' ("
            + code
            + "): "
            + cause.getClass().getName()
            + ": "
            + cause.getMessage();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("step", step);
    detail.put("code", code);
    detail.put("exception", cause.getClass().getName());
    detail.put("message", cause.getMessage());
    detail.put("stackTrace", stackTrace(cause));
    detail.put("event", event == null ? null : SagaEvents.toJson(event));
    List<LogEntry> entries =
        List.of(
            LogEntry.of(LogEntryType.DEFINITION_CODE_FAILED, step, null, 0, null, detail),
            LogEntry.ofSaga(LogEntryType.SAGA_FAILED, Map.of("reason", reason)));
    SagaState failed = before;
    StepState failedStep = before.steps().get(step);
    if (failedStep != null) {
      failed = failed.withStep(failedStep.withLastError(code + ": " + cause), now);
    }
    SagaStatus previous =
        before.status() == SagaStatus.FAILED ? before.previousStatus() : before.status();
    failed = failed.withStatus(SagaStatus.FAILED, reason, previous, now);
    return new Transition(
        failed,
        List.of(new CancelTimers(null), new SagaEnded(SagaStatus.FAILED)),
        entries,
        Disposition.APPLIED,
        null);
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
