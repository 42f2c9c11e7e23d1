package io.sagacoord.json.jackson;

import io.sagacoord.dsl.engine.JsonCodec;
import java.util.Objects;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The saga engine's {@link JsonCodec} on a Jackson 3 mapper.
 *
 * <p>The no-argument constructor uses a plain {@link JsonMapper}; it is the one {@link
 * java.util.ServiceLoader} calls, so {@code SagaHarness.given(definition)} finds this codec when
 * this module is on the class path. The coordinator passes its application mapper instead. Encoding
 * is deterministic for a given mapper: records and beans in declaration order.
 */
public final class JacksonJsonCodec implements JsonCodec {
  private final ObjectMapper mapper;

  /** A codec on a plain {@link JsonMapper} with Jackson 3's defaults. */
  public JacksonJsonCodec() {
    this(JsonMapper.builder().build());
  }

  /** A codec on the given mapper (its modules and features apply to saga data and messages). */
  public JacksonJsonCodec(ObjectMapper mapper) {
    this.mapper = Objects.requireNonNull(mapper, "mapper must not be null");
  }

  @Override
  public String encode(Object value) {
    return mapper.writeValueAsString(value);
  }

  @Override
  public <T> T decode(String json, Class<T> type) {
    return mapper.readValue(json, type);
  }
}
