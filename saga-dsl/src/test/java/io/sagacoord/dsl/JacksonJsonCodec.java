package io.sagacoord.dsl;

import io.sagacoord.dsl.engine.JsonCodec;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JsonCodec of saga-dsl's own tests: plain Jackson 3. Users add saga-json-jackson instead; that
 * module depends on saga-dsl, so saga-dsl's tests cannot use it without a build cycle.
 */
public final class JacksonJsonCodec implements JsonCodec {
  private final JsonMapper mapper = JsonMapper.builder().build();

  @Override
  public String encode(Object value) {
    return mapper.writeValueAsString(value);
  }

  @Override
  public <T> T decode(String json, Class<T> type) {
    return mapper.readValue(json, type);
  }
}
