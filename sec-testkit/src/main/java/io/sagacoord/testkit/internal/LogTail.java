package io.sagacoord.testkit.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The last lines of a log file, read from its end so a large log costs little. */
public final class LogTail {
  private static final int MAX_BYTES = 64 * 1024;

  private LogTail() {}

  public static String tail(Path file, int lines) {
    if (file == null || !Files.exists(file)) {
      return "(no log file " + file + ")\n";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int size = (int) Math.min(length, MAX_BYTES);
      byte[] bytes = new byte[size];
      raf.seek(length - size);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      String[] all = text.split("\n", -1);
      int end = all.length;
      if (end > 0 && all[end - 1].isEmpty()) {
        end--;
      }
      int start = Math.max(0, end - lines);
      StringBuilder sb = new StringBuilder();
      for (int i = start; i < end; i++) {
        sb.append(all[i]).append('\n');
      }
      return sb.toString();
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")\n";
    }
  }
}
