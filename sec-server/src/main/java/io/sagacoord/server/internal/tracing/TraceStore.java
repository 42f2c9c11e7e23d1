package io.sagacoord.server.internal.tracing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The context of each saga's start span, kept with the saga ({@code saga_instance.trace_context},
 * 25 bytes: trace id, span id, trace flags) so that the spans of its timers and operator actions
 * have their parent after a restart too; the recent ones are also held in memory.
 */
final class TraceStore {

  private static final HexFormat HEX = HexFormat.of();

  private final JdbcClient jdbc;
  private final Cache<UUID, SpanContext> recent =
      Caffeine.newBuilder().maximumSize(100_000).build();

  TraceStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores the contexts of the sagas {@code inserted} (in the transaction that inserted them). */
  void save(Map<UUID, SpanContext> contexts, Set<UUID> inserted) {
    List<UUID> ids = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (UUID id : inserted) {
      SpanContext context = contexts.get(id);
      if (context != null && context.isValid()) {
        ids.add(id);
        values.add(encode(context));
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            UPDATE saga_instance s SET trace_context = decode(t.ctx, 'hex')
            FROM unnest(CAST(:ids AS uuid[]), CAST(:contexts AS varchar[])) AS t (id, ctx)
            WHERE s.id = t.id
            """)
        .param("ids", ids.toArray(new UUID[0]))
        .param("contexts", values.toArray(new String[0]))
        .update();
    for (int i = 0; i < ids.size(); i++) {
      recent.put(ids.get(i), contexts.get(ids.get(i)));
    }
  }

  /** The saga's start span context, if it was traced. */
  Optional<SpanContext> find(UUID sagaId) {
    SpanContext cached = recent.getIfPresent(sagaId);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<SpanContext> stored =
        jdbc.sql(
                "SELECT encode(trace_context, 'hex') FROM saga_instance"
                    + " WHERE id = :id AND trace_context IS NOT NULL")
            .param("id", sagaId)
            .query(String.class)
            .optional()
            .map(TraceStore::decode);
    stored.ifPresent(context -> recent.put(sagaId, context));
    return stored;
  }

  /** 50 hex digits: trace id (32), span id (16), flags (2). */
  static String encode(SpanContext context) {
    return context.getTraceId() + context.getSpanId() + context.getTraceFlags().asHex();
  }

  static SpanContext decode(String hex) {
    String text = hex.toLowerCase(java.util.Locale.ROOT);
    if (text.length() != 50 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      return SpanContext.getInvalid();
    }
    return SpanContext.createFromRemoteParent(
        text.substring(0, 32),
        text.substring(32, 48),
        TraceFlags.fromByte(HEX.parseHex(text.substring(48, 50))[0]),
        TraceState.getDefault());
  }
}
