package io.sagacoord.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.server.internal.problem.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class CursorTest {

  @Test
  void aCursorDecodesToWhatWasEncoded() {
    Cursor c = new Cursor(true, Instant.parse("2026-12-04T20:00:00.123456Z"), UUID.randomUUID());
    assertThat(Cursor.decode(c.encode(), true)).isEqualTo(c);
  }

  @Test
  void aCraftedCursorWithATimeOutsideTheStoredRangeIsA400NamingTheCursor() {
    for (String time :
        new String[] {
          "+294277-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z", "-1000000000-01-01T00:00:00Z"
        }) {
      String crafted = craft("c1|d|" + time + "|" + UUID.randomUUID());
      assertThatThrownBy(() -> Cursor.decode(crafted, true))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                assertThat(e.properties()).containsEntry("parameter", "cursor");
              });
    }
  }

  @Test
  void aCraftedCursorWithANulOrALooseIdIsA400() {
    String nul = craft("c1|a|2026-01-01T00:00:00Z|" + UUID.randomUUID() + "\u0000");
    String shortId = craft("c1|a|2026-01-01T00:00:00Z|1-1-1-1-1");
    assertThatThrownBy(() -> Cursor.decode(nul, false)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> Cursor.decode(shortId, false)).isInstanceOf(ApiException.class);
  }

  private static String craft(String raw) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }
}
