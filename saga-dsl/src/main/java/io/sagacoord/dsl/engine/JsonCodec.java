package io.sagacoord.dsl.engine;

/**
 * Turns saga data, commands and replies into JSON text and back. The engine keeps everything as
 * JSON so that state is serialisable, comparable and replayable. The coordinator passes a Jackson 3
 * implementation; encoding must be deterministic (same value, same text).
 */
public interface JsonCodec {

  /** Encodes a value; throws any unchecked exception when it cannot. */
  String encode(Object value);

  /** Decodes JSON into the given type; throws any unchecked exception when it cannot. */
  <T> T decode(String json, Class<T> type);
}
