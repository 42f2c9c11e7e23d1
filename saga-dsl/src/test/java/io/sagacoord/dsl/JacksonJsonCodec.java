package io.sagacoord.dsl;

import io.sagacoord.dsl.engine.JsonCodec;
import tools.jackson.databind.json.JsonMapper;

/** The JsonCodec of the tests: plain Jackson 3 (the server brings its own). */
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
