package io.sagacoord.server.internal.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.storage.OutboxRow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * One trace per saga. The start span is a child of the caller's context (a {@code traceparent} on
 * the REST request or the start record, or the current context of a Java caller) and its context is
 * stored with the saga ({@link TraceStore}). A command written while an event span is current
 * carries that span's context in its outbox row's {@code traceparent}; the relay sends it under a
 * producer span, a child of that context, whose context goes on the record. A reply's span is a
 * child of the participant's span named in the reply's {@code traceparent}; timer and operator
 * spans are children of the saga's start span.
 *
 * <p>While an event is applied, the MDC holds {@code sagaId}, {@code sagaStep} (when the event
 * concerns a step), and {@code traceId} and {@code spanId} when tracing is on: structured log lines
 * then carry them.
 *
 * <p>With tracing off (no SDK), no span is created and nothing is stored; the MDC is still set.
 */
public final class SagaTracing implements AutoCloseable {

  static final AttributeKey<String> SAGA_ID = AttributeKey.stringKey("saga.id");
  static final AttributeKey<String> SAGA_TYPE = AttributeKey.stringKey("saga.type");
  static final AttributeKey<String> SAGA_STEP = AttributeKey.stringKey("saga.step");
  static final AttributeKey<String> SAGA_PHASE = AttributeKey.stringKey("saga.phase");
  static final AttributeKey<Long> SAGA_ATTEMPT = AttributeKey.longKey("saga.attempt");
  static final AttributeKey<String> SAGA_OUTCOME = AttributeKey.stringKey("saga.outcome");
  static final AttributeKey<String> TIMER_KIND = AttributeKey.stringKey("saga.timer");
  static final AttributeKey<String> ACTION = AttributeKey.stringKey("saga.action");
  static final AttributeKey<String> ACTOR = AttributeKey.stringKey("saga.actor");
  static final AttributeKey<String> PARTICIPANT = AttributeKey.stringKey("saga.participant");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<String> FROM_TEXT =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
          return List.of(SagaHeaders.TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
          return SagaHeaders.TRACEPARENT.equals(key) ? carrier : null;
        }
      };

  private final boolean enabled;
  private final Tracer tracer;
  private final TraceStore store;
  private final Runnable shutdown;

  SagaTracing(OpenTelemetry openTelemetry, TraceStore store, Runnable shutdown) {
    this.enabled = openTelemetry != OpenTelemetry.noop();
    this.tracer = openTelemetry.getTracer("io.sagacoord.server");
    this.store = store;
    this.shutdown = shutdown;
  }

  /** Whether spans are recorded. */
  public boolean enabled() {
    return enabled;
  }

  /** The context a start inherits from its caller: the current one when tracing is on. */
  public Context caller() {
    return enabled ? Context.current() : Context.root();
  }

  /**
   * Makes the context of a {@code traceparent} (a REST request's or a start record's) current; a
   * no-op when off.
   */
  public Scope fromTraceparent(String traceparent) {
    if (!enabled || traceparent == null) {
      return Scope.noop();
    }
    return W3C.extract(Context.root(), traceparent, FROM_TEXT).makeCurrent();
  }

  /** An event being applied to a saga: its span (current while open) and the MDC entries. */
  public static final class Event implements AutoCloseable {
    private static final String[] KEYS = {"sagaId", "sagaStep", "traceId", "spanId"};

    private final Span span;
    private final Scope scope;
    // what the thread had in the MDC before (a caller's own start transaction), restored on close
    private final String[] before = new String[KEYS.length];

    private Event(Span span, UUID sagaId, String step) {
      this.span = span;
      this.scope = span == null ? Scope.noop() : span.makeCurrent();
      for (int i = 0; i < KEYS.length; i++) {
        before[i] = MDC.get(KEYS[i]);
      }
      set("sagaId", sagaId.toString());
      set("sagaStep", step);
      set("traceId", span == null ? null : span.getSpanContext().getTraceId());
      set("spanId", span == null ? null : span.getSpanContext().getSpanId());
    }

    private static void set(String key, String value) {
      if (value == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, value);
      }
    }

    /** The span's context (invalid when tracing is off). */
    public SpanContext context() {
      return span == null ? SpanContext.getInvalid() : span.getSpanContext();
    }

    @Override
    public void close() {
      scope.close();
      if (span != null) {
        span.end();
      }
      for (int i = 0; i < KEYS.length; i++) {
        set(KEYS[i], before[i]);
      }
    }
  }

  /** The start of a saga, a child of {@code caller} (a root span when it has no valid span). */
  public Event sagaStarted(UUID sagaId, String sagaType, Context caller) {
    if (!enabled) {
      return new Event(null, sagaId, null);
    }
    Span span =
        tracer
            .spanBuilder("saga start " + sagaType)
            .setParent(caller == null ? Context.root() : caller)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(SAGA_ID, sagaId.toString())
            .setAttribute(SAGA_TYPE, sagaType)
            .startSpan();
    return new Event(span, sagaId, null);
  }

  /**
   * Stores the start span contexts of the sagas a start transaction {@code inserted} (the others
   * were started before); a no-op when off.
   */
  public void started(Map<UUID, SpanContext> contexts, Set<UUID> inserted) {
    if (enabled) {
      store.save(contexts, inserted);
    }
  }

  /** A reply applied: a child of the participant's span named in its {@code traceparent}. */
  public Event replyApplied(
      String traceparent,
      UUID sagaId,
      String sagaType,
      String step,
      String phase,
      int attempt,
      String outcome,
      String participant) {
    if (!enabled) {
      return new Event(null, sagaId, step);
    }
    Context parent =
        traceparent == null ? Context.root() : W3C.extract(Context.root(), traceparent, FROM_TEXT);
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      parent = sagaContext(sagaId);
    }
    Span span =
        step(tracer.spanBuilder("reply " + step + " " + phase), sagaId, sagaType, step, phase)
            .setParent(parent)
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(SAGA_ATTEMPT, (long) attempt)
            .setAttribute(SAGA_OUTCOME, outcome)
            .setAttribute(PARTICIPANT, participant)
            .startSpan();
    return new Event(span, sagaId, step);
  }

  /** A timer fired: a child of the saga's start span. */
  public Event timerFired(
      UUID sagaId, String sagaType, String kind, String step, String phase, int attempt) {
    if (!enabled) {
      return new Event(null, sagaId, step);
    }
    SpanBuilder builder =
        tracer
            .spanBuilder("timer " + kind.toLowerCase(java.util.Locale.ROOT))
            .setParent(sagaContext(sagaId))
            .setSpanKind(SpanKind.INTERNAL)
            .setAttribute(SAGA_ID, sagaId.toString())
            .setAttribute(SAGA_TYPE, sagaType)
            .setAttribute(TIMER_KIND, kind)
            .setAttribute(SAGA_ATTEMPT, (long) attempt);
    if (step != null) {
      builder.setAttribute(SAGA_STEP, step);
    }
    if (phase != null) {
      builder.setAttribute(SAGA_PHASE, phase);
    }
    return new Event(builder.startSpan(), sagaId, step);
  }

  /**
   * An operator's action: a child of the saga's start span, linked to the caller's context (the
   * request's {@code traceparent}) when there is one.
   */
  public Event operatorAction(UUID sagaId, String action, String actor) {
    if (!enabled) {
      return new Event(null, sagaId, null);
    }
    SpanBuilder builder =
        tracer
            .spanBuilder("operator " + action)
            .setParent(sagaContext(sagaId))
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(SAGA_ID, sagaId.toString())
            .setAttribute(ACTION, action)
            .setAttribute(ACTOR, actor);
    SpanContext caller = Span.current().getSpanContext();
    if (caller.isValid()) {
      builder.addLink(caller);
    }
    return new Event(builder.startSpan(), sagaId, null);
  }

  /**
   * Adds the current span's context as {@code traceparent} to the headers of a command being
   * written to the outbox; nothing when no span is current.
   */
  public static void putTraceparent(Map<String, String> headers) {
    SpanContext current = Span.current().getSpanContext();
    if (current.isValid()) {
      headers.put(SagaHeaders.TRACEPARENT, traceparent(current));
    }
  }

  /**
   * Records the send of a command as a producer span, a child of the context its outbox row
   * recorded, and returns that span's {@code traceparent} for the record in place of the row's.
   * Null (send the row's headers as they are) when tracing is off or the row recorded no context.
   */
  public String sending(OutboxRow row) {
    if (!enabled) {
      return null;
    }
    String recorded = row.headers().get(SagaHeaders.TRACEPARENT);
    if (recorded == null) {
      return null;
    }
    Context parent = W3C.extract(Context.root(), recorded, FROM_TEXT);
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> h = row.headers();
    String attempt = h.get(SagaHeaders.ATTEMPT);
    Span span =
        step(
                tracer.spanBuilder(
                    "send " + h.get(SagaHeaders.STEP) + " " + h.get(SagaHeaders.PHASE)),
                row.sagaId(),
                h.get(SagaHeaders.SAGA_TYPE),
                h.get(SagaHeaders.STEP),
                h.get(SagaHeaders.PHASE))
            .setParent(parent)
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(SAGA_ATTEMPT, attempt == null ? 0L : Long.parseLong(attempt))
            .setAttribute(PARTICIPANT, String.valueOf(h.get(SagaHeaders.PARTICIPANT)))
            .setAttribute(DESTINATION, row.topic())
            .startSpan();
    span.end();
    return traceparent(span.getSpanContext());
  }

  private static SpanBuilder step(
      SpanBuilder builder, UUID sagaId, String sagaType, String step, String phase) {
    builder.setAttribute(SAGA_ID, sagaId.toString());
    if (sagaType != null) {
      builder.setAttribute(SAGA_TYPE, sagaType);
    }
    if (step != null) {
      builder.setAttribute(SAGA_STEP, step);
    }
    if (phase != null) {
      builder.setAttribute(SAGA_PHASE, phase);
    }
    return builder;
  }

  /** The saga's start span as a parent; the root context for a saga started untraced. */
  private Context sagaContext(UUID sagaId) {
    return store
        .find(sagaId)
        .filter(SpanContext::isValid)
        .map(context -> Context.root().with(Span.wrap(context)))
        .orElse(Context.root());
  }

  static String traceparent(SpanContext context) {
    return "00-"
        + context.getTraceId()
        + "-"
        + context.getSpanId()
        + "-"
        + context.getTraceFlags().asHex();
  }

  /** Exports the spans still waiting and stops the SDK. */
  @Override
  public void close() {
    shutdown.run();
  }
}
