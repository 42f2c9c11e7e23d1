package io.sagacoord.dsl.engine;

import io.sagacoord.dsl.SagaDslException;
import io.sagacoord.dsl.engine.SagaEvent.OperatorForceCompensation;
import io.sagacoord.dsl.engine.SagaEvent.OperatorResolve;
import io.sagacoord.dsl.engine.SagaEvent.OperatorRetryStep;
import io.sagacoord.dsl.engine.SagaEvent.ParticipantAvailable;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.internal.Json;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ReplyOutcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * JSON form of {@link SagaEvent}s, for the saga log and for replay. The form is a flat object with
 * a {@code "type"} field (ReplyReceived, TimerFired, OperatorRetryStep, OperatorForceCompensation,
 * OperatorResolve, ParticipantAvailable) and the record's components; a reply body is kept as a
 * JSON string.
 */
public final class SagaEvents {
  private SagaEvents() {}

  /** Renders an event as a JSON object. */
  public static String toJson(SagaEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof ReplyReceived r) {
      m.put("type", "ReplyReceived");
      m.put("step", r.step());
      m.put("phase", r.phase().wireName());
      m.put("attempt", r.attempt());
      m.put("commandId", r.commandId());
      m.put("outcome", r.outcome());
      m.put("bodyJson", r.bodyJson());
    } else if (event instanceof TimerFired t) {
      m.put("type", "TimerFired");
      m.put("kind", t.kind());
      m.put("step", t.step());
      m.put("phase", t.phase().wireName());
      m.put("attempt", t.attempt());
    } else if (event instanceof OperatorRetryStep o) {
      m.put("type", "OperatorRetryStep");
      m.put("step", o.step());
      m.put("actor", o.actor());
      m.put("reason", o.reason());
    } else if (event instanceof OperatorForceCompensation o) {
      m.put("type", "OperatorForceCompensation");
      m.put("actor", o.actor());
      m.put("reason", o.reason());
    } else if (event instanceof OperatorResolve o) {
      m.put("type", "OperatorResolve");
      m.put("actor", o.actor());
      m.put("reason", o.reason());
    } else if (event instanceof ParticipantAvailable a) {
      m.put("type", "ParticipantAvailable");
      m.put("participant", a.participant());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    return Json.write(m);
  }

  /**
   * Parses what {@link #toJson} wrote.
   *
   * @throws SagaDslException if the JSON is not an event
   */
  public static SagaEvent fromJson(JsonCodec codec, String json) {
    Map<?, ?> m;
    try {
      m = codec.decode(json, Map.class);
    } catch (RuntimeException e) {
      throw new SagaDslException("not a saga event: " + json, e);
    }
    Object type = m.get("type");
    try {
      if ("ReplyReceived".equals(type)) {
        return new ReplyReceived(
            str(m, "step"),
            Phase.fromWire(str(m, "phase")),
            num(m, "attempt"),
            m.get("commandId") == null ? null : UUID.fromString(str(m, "commandId")),
            ReplyOutcome.valueOf(str(m, "outcome")),
            str(m, "bodyJson"));
      }
      if ("TimerFired".equals(type)) {
        return new TimerFired(
            TimerKind.valueOf(str(m, "kind")),
            str(m, "step"),
            Phase.fromWire(str(m, "phase")),
            num(m, "attempt"));
      }
      if ("OperatorRetryStep".equals(type)) {
        return new OperatorRetryStep(str(m, "step"), str(m, "actor"), str(m, "reason"));
      }
      if ("OperatorForceCompensation".equals(type)) {
        return new OperatorForceCompensation(str(m, "actor"), str(m, "reason"));
      }
      if ("ParticipantAvailable".equals(type)) {
        return new ParticipantAvailable(str(m, "participant"));
      }
      if ("OperatorResolve".equals(type)) {
        return new OperatorResolve(str(m, "actor"), str(m, "reason"));
      }
    } catch (RuntimeException e) {
      throw new SagaDslException("not a saga event: " + json, e);
    }
    throw new SagaDslException("unknown saga event type '" + type + "' in " + json);
  }

  private static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null ? null : v.toString();
  }

  private static int num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(v));
  }
}
