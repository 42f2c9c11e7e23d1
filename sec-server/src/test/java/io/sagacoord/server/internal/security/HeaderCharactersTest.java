package io.sagacoord.server.internal.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The firewall's header rule gives the same answer as the regular expressions of Spring Security's
 * {@code StrictHttpFirewall} for any text, including control characters, unassigned code points,
 * unpaired surrogates and supplementary characters.
 */
class HeaderCharactersTest {

  private static final Pattern NAME = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
  private static final Pattern VALUE =
      Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

  @Property(tries = 3000)
  void agreesWithTheFirewallsPatterns(@ForAll("text") String s) {
    assertThat(HeaderCharacters.allowedName(s)).isEqualTo(NAME.matcher(s).matches());
    assertThat(HeaderCharacters.allowedValue(s)).isEqualTo(VALUE.matcher(s).matches());
  }

  @Example
  void refusesControlCharactersAndUnassignedCodePoints() {
    assertThat(HeaderCharacters.allowedValue("key\r\nX-Injected: 1")).isFalse();
    assertThat(HeaderCharacters.allowedValue("a\u0000b")).isFalse();
    assertThat(HeaderCharacters.allowedValue("a\u0378b")).isFalse();
    assertThat(HeaderCharacters.allowedName("X-API\tKey")).isFalse();
    assertThat(HeaderCharacters.allowedValue("a\tb")).isTrue();
    assertThat(HeaderCharacters.allowedValue("caf\u00e9 \ud83d\ude00")).isTrue();
    assertThat(HeaderCharacters.allowedName("X-API-Key")).isTrue();
  }

  @Provide
  Arbitrary<String> text() {
    Arbitrary<Character> c =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.chars().range('\u0000', '\u007f')),
            Tuple.of(2, Arbitraries.chars().all()),
            Tuple.of(1, Arbitraries.chars().range('\ud800', '\udfff')),
            Tuple.of(1, Arbitraries.of('\t', '\n', '\r', '\u0000', '\u0085', '\u0378', '\u2028')));
    return c.list()
        .ofMaxSize(12)
        .map(
            cs -> {
              StringBuilder b = new StringBuilder();
              cs.forEach(b::append);
              return b.toString();
            });
  }
}
