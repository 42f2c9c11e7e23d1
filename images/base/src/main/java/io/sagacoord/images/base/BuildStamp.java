package io.sagacoord.images.base;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The stamp beside the base image: the inputs it was made from and the size and time of every build
 * machine file it copied, so that an unchanged image is not written again.
 */
final class BuildStamp {

  private BuildStamp() {}

  /**
   * Whether the image written last was made from these inputs and from build machine files that
   * have not changed since (the libraries, certificates and locale it copied, by size and time).
   */
  static boolean upToDate(Path stampFile, List<String> inputs) throws IOException {
    if (!Files.exists(stampFile)) {
      return false;
    }
    List<String> stamp = Files.readAllLines(stampFile);
    if (stamp.size() < inputs.size() || !stamp.subList(0, inputs.size()).equals(inputs)) {
      return false;
    }
    for (String line : stamp.subList(inputs.size(), stamp.size())) {
      Path file = Path.of(line.substring(line.indexOf(' ', "file ".length()) + 1));
      if (!Files.exists(file) || !fileStamp(file).equals(line)) {
        return false;
      }
    }
    return true;
  }

  static String fileStamp(Path file) throws IOException {
    return "file "
        + Files.size(file)
        + ":"
        + Files.getLastModifiedTime(file).toMillis()
        + " "
        + file;
  }
}
