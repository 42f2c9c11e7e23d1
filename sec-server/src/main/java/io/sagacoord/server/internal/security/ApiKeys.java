package io.sagacoord.server.internal.security;

import io.sagacoord.server.config.SecSecurityProperties;
import io.sagacoord.server.config.SecSecurityProperties.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * The configured API keys, as SHA-256 hashes. A presented key is hashed and compared with every
 * configured hash in constant time (no early exit), so neither the comparison nor the position of
 * the match leaks through timing.
 */
public final class ApiKeys {

  private static final MessageDigest SHA_256 = sha256Digest();

  private final List<ApiKey> keys;
  private final List<byte[]> hashes;

  public ApiKeys(List<ApiKey> keys) {
    this.keys = List.copyOf(keys);
    this.hashes = new ArrayList<>();
    for (ApiKey key : keys) {
      hashes.add(HexFormat.of().parseHex(key.sha256()));
    }
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** The hex SHA-256 of a key, as configured in {@code sec.security.api-keys[].sha256}. */
  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  static byte[] sha256(String key) {
    try {
      // a copy of a prepared digest: cheaper than looking up the provider for every request
      MessageDigest digest = (MessageDigest) SHA_256.clone();
      return digest.digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be copied", e);
    }
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The authentication for a key entered in the console's sign-in form, or empty. */
  public Optional<Authentication> signIn(String presented) {
    return authenticate(presented).map(a -> a);
  }

  /** The authentication for a presented key, or empty if no configured key matches. */
  Optional<ApiKeyAuthentication> authenticate(String presented) {
    byte[] hash = sha256(presented);
    ApiKey match = null;
    for (int i = 0; i < hashes.size(); i++) {
      if (MessageDigest.isEqual(hash, hashes.get(i)) && match == null) {
        match = keys.get(i);
      }
    }
    if (match == null) {
      return Optional.empty();
    }
    List<GrantedAuthority> authorities = new ArrayList<>();
    for (SecSecurityProperties.Role role : match.roles()) {
      authorities.add(new SimpleGrantedAuthority("ROLE_" + role.name()));
    }
    if (match.limitsSagaTypes()) {
      authorities.add(new SimpleGrantedAuthority(Callers.SAGA_TYPES_LIMITED));
      for (String type : match.sagaTypes()) {
        authorities.add(new SimpleGrantedAuthority(Callers.SAGA_TYPE_PREFIX + type));
      }
    }
    return Optional.of(new ApiKeyAuthentication(match.name(), authorities));
  }
}
