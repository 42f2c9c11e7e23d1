package io.sagacoord.server.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StorableTest {

  private final JsonMapper json =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  @Test
  void textWithANulOrAnUnpairedSurrogateCannotBeStoredAndSaysWhere() {
    assertThat(Storable.textProblem("Ada\u0000")).contains("NUL").contains("position 3");
    assertThat(Storable.textProblem("a\uD800b")).contains("unpaired surrogate (\\ud800)");
    assertThat(Storable.textProblem("\uDC00")).contains("position 0");
    assertThat(Storable.textProblem("end\uD83D")).contains("position 3");
  }

  @Test
  void ordinaryTextAndSurrogatePairsCanBeStored() {
    assertThat(Storable.textProblem(null)).isNull();
    assertThat(Storable.textProblem("")).isNull();
    assertThat(Storable.textProblem("Ada Lovelace \uD83D\uDE00 ü ∑")).isNull();
  }

  @Test
  void instantsOutsideTheDocumentedRangeAreClampedToItsEnds() {
    Instant far = Instant.parse("+294277-01-01T00:00:00Z");
    Instant early = Instant.MIN;
    assertThat(Storable.inRange(far)).isFalse();
    assertThat(Storable.inRange(early)).isFalse();
    assertThat(Storable.clamp(far)).isEqualTo(Storable.MAX_INSTANT);
    assertThat(Storable.clamp(early)).isEqualTo(Storable.MIN_INSTANT);
    Instant now = Instant.parse("2026-12-04T20:00:00Z");
    assertThat(Storable.clamp(now)).isEqualTo(now);
    assertThat(Storable.inRange(Storable.MAX_INSTANT)).isTrue();
    assertThat(Storable.inRange(Storable.MIN_INSTANT)).isTrue();
  }

  @Test
  void jsonThatJsonbRefusesIsNamedByItsPath() {
    assertThat(problem("{\"a\":{\"b\":[\"x\",\"nul \\u0000\"]}}"))
        .startsWith("$.a.b[1] contains the NUL character");
    assertThat(problem("{\"note\":\"\\ud800\"}")).startsWith("$.note contains an unpaired");
    assertThat(problem("{\"\\u0000\":1}")).contains("field name");
    assertThat(problem("{\"n\":1e1000000}")).startsWith("$.n is a number beyond");
    assertThat(problem("{\"n\":1e-20000}")).startsWith("$.n is a number beyond");
    assertThat(problem("[1e131072]")).startsWith("$[0] is a number beyond");
  }

  @Test
  void jsonThatJsonbStoresPasses() {
    assertThat(problem("{\"a\":[1,2.5,1e-400,1e131071,\"\\ud83d\\ude00\",null,true]}")).isNull();
    assertThat(problem("\"plain\"")).isNull();
    assertThat(problem("{\"text\":\"a backslash-u0000 as text: \\\\u0000\"}")).isNull();
  }

  private String problem(String text) {
    JsonNode node = json.readTree(text);
    return Storable.jsonProblem(node);
  }
}
