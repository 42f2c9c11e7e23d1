package io.sagacoord.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The id of a saga started with an idempotency key: a name-based UUID (RFC 9562, version 5: SHA-1)
 * of the saga type and the key in {@link #START_NAMESPACE}. The same type and key always give the
 * same id, so the id is the start's idempotency record (the coordinator's {@code saga_instance}
 * primary key), and whoever sent a start (through Kafka, which answers nothing) knows the saga's id
 * without asking.
 *
 * <p>The name is the saga type's UTF-8 length as four bytes (big-endian), the type's UTF-8 bytes,
 * then the key's UTF-8 bytes: the length tells where the type ends, so no two (type, key) pairs
 * share a name ("ab" + "c" and "a" + "bc" differ). This derivation is stored data: changing it
 * would let every key start its saga again.
 */
public final class SagaIds {

  /** The namespace of start ids (random, fixed for good). */
  public static final UUID START_NAMESPACE =
      UUID.fromString("2998b984-0a0d-4b66-b5e5-d8bc31dfb190");

  private SagaIds() {}

  /** The id of the saga that the start of {@code sagaType} with {@code idempotencyKey} creates. */
  public static UUID ofStart(String sagaType, String idempotencyKey) {
    byte[] type = sagaType.getBytes(StandardCharsets.UTF_8);
    byte[] key = idempotencyKey.getBytes(StandardCharsets.UTF_8);
    ByteBuffer name = ByteBuffer.allocate(16 + 4 + type.length + key.length);
    name.putLong(START_NAMESPACE.getMostSignificantBits());
    name.putLong(START_NAMESPACE.getLeastSignificantBits());
    name.putInt(type.length).put(type).put(key);
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-1").digest(name.array());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every JDK", e);
    }
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // variant of RFC 9562
    ByteBuffer bits = ByteBuffer.wrap(hash, 0, 16);
    return new UUID(bits.getLong(), bits.getLong());
  }
}
