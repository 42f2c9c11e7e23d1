package io.sagacoord.dsl.testing;

import io.sagacoord.dsl.engine.JsonCodec;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds the one {@link JsonCodec} on the class path through {@link ServiceLoader}. */
final class CodecDiscovery {
  private CodecDiscovery() {}

  /**
   * The codec on the class path.
   *
   * @throws IllegalStateException if there is none (naming {@code io.sagacoord:saga-json-jackson},
   *     the module that provides one) or more than one (naming them)
   */
  static JsonCodec discover() {
    List<JsonCodec> found =
        ServiceLoader.load(JsonCodec.class).stream().map(ServiceLoader.Provider::get).toList();
    if (found.isEmpty()) {
      throw new IllegalStateException(
          "no JsonCodec on the class path: add the test dependency"
              + " io.sagacoord:saga-json-jackson, or pass a codec to"
              + " SagaHarness.given(definition, codec)");
    }
    if (found.size() > 1) {
      throw new IllegalStateException(
          "more than one JsonCodec on the class path ("
              + found.stream().map(c -> c.getClass().getName()).collect(Collectors.joining(", "))
              + "): pass the one to use to SagaHarness.given(definition, codec)");
    }
    return found.get(0);
  }
}
