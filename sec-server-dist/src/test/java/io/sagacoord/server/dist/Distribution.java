package io.sagacoord.server.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The built distribution, unpacked into a folder of a test. */
final class Distribution {

  private final Path home;

  private Distribution(Path home) {
    this.home = home;
  }

  /** The tar.gz the build made ({@code -Dsec.dist.archive}, set by the module's pom). */
  static Path archive() {
    String archive = System.getProperty("sec.dist.archive");
    assertThat(archive).as("system property sec.dist.archive (set by the pom)").isNotBlank();
    assertThat(Path.of(archive)).as("the distribution; built in the package phase").isRegularFile();
    return Path.of(archive);
  }

  /** The executable jar the build made ({@code -Dsec.dist.exec-jar}). */
  static Path execJar() {
    String jar = System.getProperty("sec.dist.exec-jar");
    assertThat(jar).as("system property sec.dist.exec-jar (set by the pom)").isNotBlank();
    assertThat(Path.of(jar)).isRegularFile();
    return Path.of(jar);
  }

  /** Unpacks the archive with the system's tar, which keeps the launcher's file mode. */
  static Distribution unpack(Path into) throws IOException, InterruptedException {
    Process tar =
        new ProcessBuilder("tar", "-xzf", archive().toString(), "-C", into.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(tar.exitValue()).as("tar: " + output).isZero();
    try (Stream<Path> top = Files.list(into)) {
      List<Path> folders = top.toList();
      assertThat(folders).as("one top folder in the archive").hasSize(1);
      return new Distribution(folders.get(0));
    }
  }

  Path home() {
    return home;
  }

  Path launcher() {
    return home.resolve("bin/sec-server");
  }

  Path definitions() {
    return home.resolve("definitions");
  }

  Path config() {
    return home.resolve("config/application.properties");
  }

  /** The jars of lib/, by file name. */
  List<String> libraries() throws IOException {
    try (Stream<Path> files = Files.list(home.resolve("lib"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  /** lib/*.jar as a class path, for compiling definitions against what the distribution ships. */
  String classPath() throws IOException {
    List<String> entries = new ArrayList<>();
    for (String jar : libraries()) {
      entries.add(home.resolve("lib").resolve(jar).toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /**
   * Sets a property in config/application.properties: replaces its line where the file has one,
   * else appends it.
   */
  void configure(String key, String value) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(config(), StandardCharsets.UTF_8));
    String line = key + "=" + value;
    boolean replaced = false;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(key + "=")) {
        lines.set(i, line);
        replaced = true;
      }
    }
    if (!replaced) {
      lines.add(line);
    }
    Files.write(config(), lines, StandardCharsets.UTF_8);
  }
}
