package io.sagacoord.testkit.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Looks for a string in a growing log file, reading each byte once: a chatty child (a Spring Boot
 * coordinator) can write megabytes while a test waits for one line.
 */
public final class LogScanner {
  private final Path file;
  private final byte[] needle;
  private long position;
  private byte[] carry = new byte[0];

  public LogScanner(Path file, String needle) {
    this.file = file;
    this.needle = needle.getBytes(StandardCharsets.UTF_8);
  }

  /** True once the file contains the string; reads only what was appended since the last call. */
  public boolean found() {
    if (file == null || !Files.exists(file)) {
      return false;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      while (position < length) {
        int size = (int) Math.min(length - position, 1 << 20);
        byte[] chunk = new byte[carry.length + size];
        System.arraycopy(carry, 0, chunk, 0, carry.length);
        raf.seek(position);
        raf.readFully(chunk, carry.length, size);
        position += size;
        if (indexOf(chunk, needle) >= 0) {
          return true;
        }
        // keep the end of this chunk: the needle may straddle two reads
        int keep = Math.min(needle.length - 1, chunk.length);
        carry = Arrays.copyOfRange(chunk, chunk.length - keep, chunk.length);
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    if (needle.length == 0) {
      return 0;
    }
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
