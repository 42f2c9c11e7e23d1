package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.SagaState;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.engine.StepStatus;
import io.sagacoord.protocol.Phase;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The harness's checks of a started {@link SagaRun}. Each failure is an {@link AssertionError}
 * whose message shows what the saga did instead: the commands not yet expected, the status with its
 * reason, the compensations in order, or the replayed state beside the current one.
 */
final class RunAssertions {
  private final SagaRun run;

  RunAssertions(SagaRun run) {
    this.run = run;
  }

  /** Takes the oldest matching command not yet expected. */
  SendCommand expectCommand(String participant, String commandType, Phase phase) {
    return run.takeUnexpected(participant, commandType, phase)
        .orElseThrow(
            () ->
                new AssertionError(
                    "expected a "
                        + phase
                        + " command "
                        + commandType
                        + " to "
                        + participant
                        + " but the commands not yet expected are "
                        + describeAll(run.unexpected())
                        + " (saga "
                        + run.state().status()
                        + ")"));
  }

  void expectNoCommand() {
    List<SendCommand> unexpected = run.unexpected();
    if (!unexpected.isEmpty()) {
      throw new AssertionError("expected no new command but got " + describeAll(unexpected));
    }
  }

  void expectStatus(SagaStatus status) {
    SagaState state = run.state();
    if (state.status() != status) {
      throw new AssertionError(
          "expected saga "
              + status
              + " but was "
              + state.status()
              + (state.statusReason() == null ? "" : " (" + state.statusReason() + ")"));
    }
  }

  void expectStatusReasonContaining(String text) {
    String reason = run.state().statusReason();
    if (reason == null || !reason.contains(text)) {
      throw new AssertionError(
          "expected status reason containing '" + text + "' but was " + reason);
    }
  }

  void expectStepStatus(String step, StepStatus status) {
    StepStatus actual = run.state().step(step).status();
    if (actual != status) {
      throw new AssertionError("expected step '" + step + "' " + status + " but was " + actual);
    }
  }

  /** The steps whose first compensation attempt was sent are exactly {@code steps}, in order. */
  void expectCompensationOrder(List<String> steps) {
    List<String> actual =
        run.sent().stream()
            .filter(c -> c.phase() == Phase.COMPENSATE && c.attempt() == 1)
            .map(SendCommand::step)
            .toList();
    if (!actual.equals(steps)) {
      throw new AssertionError("expected compensations " + steps + " but they were " + actual);
    }
  }

  void expectReplayReproducesState() {
    SagaState replayed = run.replayed();
    if (!replayed.equals(run.state())) {
      throw new AssertionError(
          "replay gave\n  " + replayed + "\nbut the state is\n  " + run.state());
    }
  }

  /** One command as the messages show it: phase, type, participant, step and attempt. */
  static String describe(SendCommand c) {
    return c.phase()
        + " "
        + c.commandType()
        + " to "
        + c.participant()
        + " (step "
        + c.step()
        + ", attempt "
        + c.attempt()
        + ")";
  }

  private static String describeAll(List<SendCommand> commands) {
    return commands.isEmpty()
        ? "[]"
        : commands.stream()
            .map(RunAssertions::describe)
            .collect(Collectors.joining(", ", "[", "]"));
  }
}
