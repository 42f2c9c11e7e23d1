package io.sagacoord.dsl.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/** Deterministic hashes: fingerprints, command ids and jitter seeds. */
public final class Hashing {
  private Hashing() {}

  public static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text));
  }

  /** A command id that is the same whenever the same command is computed again (replay). */
  public static UUID commandId(UUID sagaId, String step, String phase, int attempt) {
    return UUID.nameUUIDFromBytes(
        (sagaId + "|" + step + "|" + phase + "|" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  /** A number in [0, 1) drawn from a seed derived from the key, so a replay draws the same. */
  public static double unitRandom(String key) {
    // the top 53 bits of the hash as a fraction: fixed by SHA-256 alone, so every JVM (and any
    // other implementation of the coordinator) draws the same number
    long bits = ByteBuffer.wrap(sha256(key)).getLong();
    return (bits >>> 11) * 0x1.0p-53;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
