package io.sagacoord.json.jackson;

import io.sagacoord.dsl.engine.JsonCodec;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;
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
  private static final int MAX_ECHO = 60;

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

  /**
   * Decodes {@code json}; data that does not fit {@code type} is an {@link
   * IllegalArgumentException} whose message names the field and what it must be, in words meant for
   * whoever sent the data (never the mapper's own message).
   */
  @Override
  public <T> T decode(String json, Class<T> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
  }

  static String describe(JacksonException e) {
    String path = path(e);
    String at = path.isEmpty() ? "the data" : "field '" + path + "'";
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '" + echo(path.isEmpty() ? u.getPropertyName() : path) + "'";
    }
    if (e instanceof ValueInstantiationException v && v.getCause() != null) {
      // the data type's own check refused the value: its message is the definition's words
      return at + " is not valid: " + echo(String.valueOf(v.getCause().getMessage()), 200);
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return at + " must be " + kind(m.getTargetType());
    }
    if (e instanceof tools.jackson.core.exc.StreamReadException) {
      return "the data is not valid JSON";
    }
    return at + " does not fit the saga's data type";
  }

  private static String path(JacksonException e) {
    StringBuilder sb = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return echo(sb.toString());
  }

  private static String kind(Class<?> type) {
    if (type == String.class || type == char.class || type == Character.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (type.isEnum()) {
      return "one of " + java.util.Arrays.toString(type.getEnumConstants());
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "a value of type " + type.getSimpleName();
  }

  private static String echo(String text) {
    return echo(text, MAX_ECHO);
  }

  private static String echo(String text, int max) {
    return text.length() > max ? text.substring(0, max) + "..." : text;
  }
}
