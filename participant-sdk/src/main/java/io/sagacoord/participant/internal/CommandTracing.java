package io.sagacoord.participant.internal;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.sagacoord.protocol.SagaHeaders;
import java.util.List;
import org.slf4j.MDC;

/**
 * The span of one command's handling, a child of the context in the command's {@code traceparent}
 * header; the reply carries this span's context back. The saga id, type, step, phase and attempt
 * are its attributes and, while it runs, in the SLF4J MDC ({@code sagaId}, {@code sagaStep}, and
 * {@code traceId} when a span is recorded).
 */
public final class CommandTracing {

  static final AttributeKey<String> SAGA_ID = AttributeKey.stringKey("saga.id");
  static final AttributeKey<String> SAGA_TYPE = AttributeKey.stringKey("saga.type");
  static final AttributeKey<String> SAGA_STEP = AttributeKey.stringKey("saga.step");
  static final AttributeKey<String> SAGA_PHASE = AttributeKey.stringKey("saga.phase");
  static final AttributeKey<Long> SAGA_ATTEMPT = AttributeKey.longKey("saga.attempt");
  static final AttributeKey<String> SAGA_OUTCOME = AttributeKey.stringKey("saga.outcome");
  static final AttributeKey<String> PARTICIPANT = AttributeKey.stringKey("saga.participant");

  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<String> TRACEPARENT =
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

  private final Tracer tracer;
  private final boolean enabled;
  private final String participant;

  private CommandTracing(OpenTelemetry openTelemetry, String participant) {
    this.enabled = openTelemetry != OpenTelemetry.noop();
    this.tracer = openTelemetry.getTracer("io.sagacoord.participant");
    this.participant = participant;
  }

  /** Spans through {@code openTelemetry}; none at all with {@link OpenTelemetry#noop()}. */
  public static CommandTracing of(OpenTelemetry openTelemetry, String participant) {
    return new CommandTracing(openTelemetry, participant);
  }

  /** Records no span; the MDC is still set while a handler runs. */
  public static CommandTracing none(String participant) {
    return new CommandTracing(OpenTelemetry.noop(), participant);
  }

  /** The handling of one command: its span (made current) and its MDC entries. */
  public final class Handling implements AutoCloseable {
    private final Span span;
    private final Scope scope;

    private Handling(Span span) {
      this.span = span;
      this.scope = span.makeCurrent();
    }

    /** The outcome the reply carries. */
    public void outcome(String outcome) {
      span.setAttribute(SAGA_OUTCOME, outcome);
      if (!"SUCCESS".equals(outcome)) {
        span.setStatus(StatusCode.ERROR, outcome);
      }
    }

    public void failed(Throwable e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
    }

    @Override
    public void close() {
      scope.close();
      span.end();
      MDC.remove("sagaId");
      MDC.remove("sagaStep");
      MDC.remove("traceId");
      MDC.remove("spanId");
    }
  }

  /** Opens the handling of {@code cmd}; close it when the reply is decided. */
  public Handling handle(InboundCommand cmd) {
    MDC.put("sagaId", cmd.sagaId().toString());
    MDC.put("sagaStep", cmd.step());
    if (!enabled) {
      return new Handling(Span.getInvalid());
    }
    Context parent =
        cmd.traceparent() == null
            ? Context.root()
            : W3C.extract(Context.root(), cmd.traceparent(), TRACEPARENT);
    Span span =
        tracer
            .spanBuilder("handle " + cmd.step() + " " + cmd.phase().wireName())
            .setParent(parent)
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(SAGA_ID, cmd.sagaId().toString())
            .setAttribute(SAGA_TYPE, cmd.sagaType())
            .setAttribute(SAGA_STEP, cmd.step())
            .setAttribute(SAGA_PHASE, cmd.phase().wireName())
            .setAttribute(SAGA_ATTEMPT, (long) cmd.attempt())
            .setAttribute(PARTICIPANT, participant)
            .startSpan();
    MDC.put("traceId", span.getSpanContext().getTraceId());
    MDC.put("spanId", span.getSpanContext().getSpanId());
    return new Handling(span);
  }

  /**
   * The {@code traceparent} a reply carries: the current handling span's context, or the command's
   * own header when no span is recorded.
   */
  static String replyTraceparent(InboundCommand cmd) {
    Span current = Span.current();
    if (current.getSpanContext().isValid()) {
      var ctx = current.getSpanContext();
      return "00-" + ctx.getTraceId() + "-" + ctx.getSpanId() + "-" + ctx.getTraceFlags().asHex();
    }
    return cmd.traceparent();
  }
}
