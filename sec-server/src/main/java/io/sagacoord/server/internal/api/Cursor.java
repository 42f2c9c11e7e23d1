package io.sagacoord.server.internal.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The opaque keyset cursor of {@code GET /api/sagas}: the sort and the (created_at, id) of the last
 * saga of the page, base64url-encoded. A cursor stays valid while sagas are added: it points at a
 * position in a total order, not at a page number.
 */
public record Cursor(boolean descending, Instant createdAt, UUID id) {

  private static final String VERSION = "c1";

  public String encode() {
    String raw = VERSION + "|" + (descending ? "d" : "a") + "|" + createdAt + "|" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  public static Cursor decode(String text, boolean descending) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      String[] parts = raw.split("\\|", -1);
      if (parts.length != 4 || !VERSION.equals(parts[0])) {
        throw new IllegalArgumentException("not a cursor");
      }
      boolean desc = parts[1].equals("d");
      if (!desc && !parts[1].equals("a")) {
        throw new IllegalArgumentException("not a cursor");
      }
      if (desc != descending) {
        throw ApiException.badRequest("the cursor belongs to another sort order");
      }
      return new Cursor(desc, Instant.parse(parts[2]), UUID.fromString(parts[3]));
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiException.badRequest("invalid cursor");
    }
  }
}
