package io.sagacoord.bench.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small file helper (the test kit's is internal). */
final class BenchFiles {
  private BenchFiles() {}

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths
          .sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new BenchException("could not delete " + p + ": " + e, e);
                }
              });
    } catch (IOException e) {
      throw new BenchException("could not delete " + dir + ": " + e, e);
    }
  }
}
