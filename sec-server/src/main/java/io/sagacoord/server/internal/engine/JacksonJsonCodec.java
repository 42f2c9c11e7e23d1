package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.JsonCodec;
import tools.jackson.databind.ObjectMapper;

/** The engine's JSON codec on the application's Jackson 3 mapper. */
public final class JacksonJsonCodec implements JsonCodec {
  private final ObjectMapper mapper;

  public JacksonJsonCodec(ObjectMapper mapper) {
    this.mapper = mapper;
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
