package io.sagacoord.testkit.internal;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Random suffixes for database and topic names. */
public final class RandomNames {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern DATABASE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,40}");
  private static final Pattern TOPIC_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private RandomNames() {}

  public static String suffix(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  public static String databaseName(String prefix) {
    if (prefix == null || !DATABASE_PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "prefix must match " + DATABASE_PREFIX.pattern() + " but was: " + prefix);
    }
    return prefix + "_" + suffix(10);
  }

  public static String topicName(String prefix) {
    if (prefix == null || !TOPIC_PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "prefix must match " + TOPIC_PREFIX.pattern() + " but was: " + prefix);
    }
    return prefix + "-" + suffix(10);
  }
}
