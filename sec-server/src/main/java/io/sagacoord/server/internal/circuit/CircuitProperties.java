package io.sagacoord.server.internal.circuit;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The circuit breaker of each participant, under the prefix {@code sec.circuit}; see {@code
 * docs/coordinator.md}, section "Circuit breaker per participant".
 *
 * @param enabled whether the coordinator keeps circuits at all (default true); when false every
 *     command is sent and no start is refused
 * @param failureRateThreshold the failure rate, in percent, at or above which a closed circuit
 *     opens (default 50)
 * @param slidingWindowType how the window counts: {@code COUNT_BASED} (the last {@code
 *     sliding-window-size} outcomes, the default) or {@code TIME_BASED} (the outcomes of the last
 *     {@code sliding-window-size} seconds)
 * @param slidingWindowSize size of the window (default 20)
 * @param minimumCalls outcomes needed in the window before the rate is judged (default 10)
 * @param waitInOpen how long an open circuit refuses every command before it half-opens (the reset
 *     timeout, default 30 s)
 * @param permittedCallsInHalfOpen trial commands a half-open circuit lets through; their outcomes
 *     close it or open it again (default 3)
 * @param maxWaitInHalfOpen how long a half-open circuit waits for the outcomes of its trials before
 *     it opens again (default 2 min; a trial that gets no answer also times out by its step)
 * @param countRefusals whether a forward command the participant refuses counts as a failure
 *     (default true); a refused compensation means "nothing to undo" and counts as a success
 * @param startWhenOpen what a start does when a participant of its first step has an open circuit:
 *     {@code REFUSE} (503 with Retry-After, nothing written; the default) or {@code WAIT}
 *     (accepted; the saga waits for the participant)
 * @param startWhenOpenBySagaType {@code start-when-open} for single saga types, by type name
 * @param pollInterval how often a coordinator shares its circuits' changes through the database,
 *     reads the other coordinators' changes, and releases sagas waiting for a participant whose
 *     circuit lets commands through again (default 1 s); coordinators agree within about twice this
 * @param releaseBatch sagas released per participant and pass while its circuit is closed (default
 *     200); a half-open circuit releases no more than its trial commands
 * @param participants per-participant settings by participant name; unset values take the defaults
 *     above
 */
@ConfigurationProperties("sec.circuit")
public record CircuitProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("50") float failureRateThreshold,
    @DefaultValue("COUNT_BASED") WindowType slidingWindowType,
    @DefaultValue("20") int slidingWindowSize,
    @DefaultValue("10") int minimumCalls,
    @DefaultValue("30s") Duration waitInOpen,
    @DefaultValue("3") int permittedCallsInHalfOpen,
    @DefaultValue("2m") Duration maxWaitInHalfOpen,
    @DefaultValue("true") boolean countRefusals,
    @DefaultValue("REFUSE") StartWhenOpen startWhenOpen,
    Map<String, StartWhenOpen> startWhenOpenBySagaType,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("200") int releaseBatch,
    Map<String, Participant> participants) {

  /** How the sliding window counts outcomes. */
  public enum WindowType {
    COUNT_BASED,
    TIME_BASED
  }

  /** What a start does when a participant of its first step has an open circuit. */
  public enum StartWhenOpen {
    REFUSE,
    WAIT
  }

  /**
   * Settings of one participant's circuit; each null value takes the default of {@code
   * sec.circuit}.
   */
  public record Participant(
      Float failureRateThreshold,
      WindowType slidingWindowType,
      Integer slidingWindowSize,
      Integer minimumCalls,
      Duration waitInOpen,
      Integer permittedCallsInHalfOpen,
      Duration maxWaitInHalfOpen) {}

  public CircuitProperties {
    startWhenOpenBySagaType = startWhenOpenBySagaType == null ? Map.of() : startWhenOpenBySagaType;
    participants = participants == null ? Map.of() : participants;
    if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
      throw new IllegalArgumentException(
          "sec.circuit.failure-rate-threshold must be in (0, 100], not " + failureRateThreshold);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("sec.circuit.poll-interval must be positive");
    }
    if (releaseBatch < 1) {
      throw new IllegalArgumentException("sec.circuit.release-batch must be at least 1");
    }
  }

  /** The start policy of a saga type. */
  public StartWhenOpen startWhenOpenFor(String sagaType) {
    return startWhenOpenBySagaType.getOrDefault(sagaType, startWhenOpen);
  }

  /** The settings of {@code participant}, defaults filled in. */
  public Participant settingsFor(String participant) {
    Participant p = participants.get(participant);
    if (p == null) {
      p = new Participant(null, null, null, null, null, null, null);
    }
    return new Participant(
        p.failureRateThreshold() != null ? p.failureRateThreshold() : failureRateThreshold,
        p.slidingWindowType() != null ? p.slidingWindowType() : slidingWindowType,
        p.slidingWindowSize() != null ? p.slidingWindowSize() : slidingWindowSize,
        p.minimumCalls() != null ? p.minimumCalls() : minimumCalls,
        p.waitInOpen() != null ? p.waitInOpen() : waitInOpen,
        p.permittedCallsInHalfOpen() != null
            ? p.permittedCallsInHalfOpen()
            : permittedCallsInHalfOpen,
        p.maxWaitInHalfOpen() != null ? p.maxWaitInHalfOpen() : maxWaitInHalfOpen);
  }
}
