package io.sagacoord.server.internal.http;

import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.storage.Storable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The opaque keyset cursor of {@code GET /api/sagas}: the sort and the (created_at, id) of the last
 * saga of the page, base64url-encoded. A cursor stays valid while sagas are added: it points at a
 * position in a total order, not at a page number. A cursor the server did not make (its time
 * outside {@link Storable#MIN_INSTANT} .. {@link Storable#MAX_INSTANT}, a malformed id) is a 400.
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
        throw InputRules.invalid("the cursor belongs to another sort order", "parameter", "cursor");
      }
      Instant createdAt = Instant.parse(parts[2]);
      if (!Storable.inRange(createdAt) || parts[3].length() != 36) {
        // a cursor made by the server holds a stored creation time and a saga id
        throw new IllegalArgumentException("not a cursor");
      }
      return new Cursor(desc, createdAt, UUID.fromString(parts[3]));
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      throw InputRules.invalid("invalid cursor", "parameter", "cursor");
    }
  }
}
