package io.sagacoord.dsl;

import io.sagacoord.dsl.internal.Hashing;
import io.sagacoord.dsl.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stable, code-free model of a definition: what {@code describe()} returns, rendered as a text
 * table or JSON. The fingerprint is a hex SHA-256 over the structure (names, kinds, participants,
 * topics, command types, effective policies, order, groups, whether a condition exists), not over
 * any code or class name, so recompiling a definition keeps it and changing its shape changes it.
 *
 * @param name saga type name
 * @param version definition version
 * @param dataType class name of the saga data (informational, not fingerprinted)
 * @param deadline saga deadline, null when none
 * @param defaultTimeout the saga's default step timeout
 * @param defaultRetry the saga's default forward retry
 * @param defaultCompensationRetry the saga's default compensation retry
 * @param participants participants in order of first use
 * @param steps steps in definition order
 * @param fingerprint hex SHA-256 of the structure
 */
public record SagaDescription(
    String name,
    int version,
    String dataType,
    Duration deadline,
    Duration defaultTimeout,
    RetryPolicy defaultRetry,
    RetryPolicy defaultCompensationRetry,
    List<ParticipantRef> participants,
    List<StepDescription> steps,
    String fingerprint) {

  /**
   * One step.
   *
   * @param name step name
   * @param group parallel group, null when none
   * @param kind step kind
   * @param participant participant name
   * @param commandTopic its command topic
   * @param commandType forward command type
   * @param compensationCommandType compensation command type, null when none
   * @param noCompensation whether the step declared {@code noCompensation()}
   * @param conditional whether a condition may skip it
   * @param timeout effective timeout per attempt
   * @param retry effective forward retry
   * @param compensationRetry effective compensation retry, null when the step has no compensation
   * @param replyType reply class name, null when ignored (informational, not fingerprinted)
   */
  public record StepDescription(
      String name,
      String group,
      StepKind kind,
      String participant,
      String commandTopic,
      String commandType,
      String compensationCommandType,
      boolean noCompensation,
      boolean conditional,
      Duration timeout,
      RetryPolicy retry,
      RetryPolicy compensationRetry,
      String replyType) {

    Map<String, Object> structure() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("group", group);
      m.put("kind", kind);
      m.put("participant", participant);
      m.put("commandTopic", commandTopic);
      m.put("commandType", commandType);
      m.put("compensationCommandType", compensationCommandType);
      m.put("noCompensation", noCompensation);
      m.put("conditional", conditional);
      m.put("timeout", timeout);
      m.put("retry", policy(retry));
      m.put("compensationRetry", policy(compensationRetry));
      return m;
    }
  }

  /** The structure the fingerprint is computed over, as canonical JSON. */
  static String structureJson(
      String name,
      int version,
      Duration deadline,
      Duration defaultTimeout,
      RetryPolicy defaultRetry,
      RetryPolicy defaultCompensationRetry,
      List<StepDescription> steps) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("version", version);
    m.put("deadline", deadline);
    m.put("defaultTimeout", defaultTimeout);
    m.put("defaultRetry", policy(defaultRetry));
    m.put("defaultCompensationRetry", policy(defaultCompensationRetry));
    List<Object> list = new ArrayList<>();
    for (StepDescription s : steps) {
      list.add(s.structure());
    }
    m.put("steps", list);
    return Json.write(m);
  }

  static String fingerprintOf(String structureJson) {
    return Hashing.sha256Hex(structureJson);
  }

  private static Map<String, Object> policy(RetryPolicy p) {
    if (p == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backoff", p.backoff());
    m.put("maxAttempts", p.maxAttempts());
    m.put("initialDelay", p.initialDelay());
    m.put("multiplier", p.multiplier());
    m.put("maxDelay", p.maxDelay());
    m.put("jitter", p.jitter());
    return m;
  }

  /**
   * JSON for the REST API: the structure plus data type, reply types, participants and fingerprint.
   */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("version", version);
    m.put("dataType", dataType);
    m.put("fingerprint", fingerprint);
    m.put("deadline", deadline);
    m.put("defaultTimeout", defaultTimeout);
    m.put("defaultRetry", policy(defaultRetry));
    m.put("defaultCompensationRetry", policy(defaultCompensationRetry));
    List<Object> ps = new ArrayList<>();
    for (ParticipantRef p : participants) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("name", p.name());
      pm.put("commandTopic", p.commandTopic());
      ps.add(pm);
    }
    m.put("participants", ps);
    List<Object> ss = new ArrayList<>();
    for (StepDescription s : steps) {
      Map<String, Object> sm = s.structure();
      sm.put("replyType", s.replyType());
      ss.add(sm);
    }
    m.put("steps", ss);
    return Json.write(m);
  }

  /** A fixed-width text table, one line per step. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("saga ")
        .append(name)
        .append(" v")
        .append(version)
        .append(" (data ")
        .append(dataType)
        .append(", deadline ")
        .append(deadline == null ? "none" : deadline)
        .append(")\nfingerprint ")
        .append(fingerprint)
        .append('\n');
    String[] header = {
      "#",
      "step",
      "group",
      "kind",
      "participant",
      "topic",
      "command",
      "compensation",
      "when",
      "timeout",
      "retry",
      "compensation retry"
    };
    List<String[]> rows = new ArrayList<>();
    rows.add(header);
    int i = 1;
    for (StepDescription s : steps) {
      rows.add(
          new String[] {
            Integer.toString(i++),
            s.name(),
            s.group() == null ? "-" : s.group(),
            s.kind().name(),
            s.participant(),
            s.commandTopic(),
            s.commandType(),
            s.compensationCommandType() != null
                ? s.compensationCommandType()
                : s.noCompensation() ? "(none needed)" : "-",
            s.conditional() ? "yes" : "-",
            s.timeout().toString(),
            shortPolicy(s.retry()),
            s.compensationRetry() == null ? "-" : shortPolicy(s.compensationRetry())
          });
    }
    int[] widths = new int[header.length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        line.append(row[c]);
        if (c < row.length - 1) {
          line.append(" ".repeat(widths[c] - row[c].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String shortPolicy(RetryPolicy p) {
    String base =
        p.backoff() == RetryPolicy.Backoff.FIXED
            ? "fixed " + p.initialDelay()
            : "exp " + p.initialDelay() + " x" + p.multiplier() + " max " + p.maxDelay();
    String attempts = p.isUnlimited() ? "until success" : p.maxAttempts() + "x";
    return attempts + " " + base + (p.jitter() == Jitter.NONE ? "" : " " + p.jitter());
  }
}
