package io.sagacoord.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's own text speaks of the product in the present tense and stays small enough to read:
 * no line of the docs, main sources, SQL or test sources narrates the sittings in which it was
 * written (sessions, runs by letter, migration numbers of an unreleased schema), and no main source
 * file is longer than 500 lines.
 */
class ProjectTextTest {

  private static final Path ROOT = root();

  /** Folders never read: build output, dependencies, generated and binary content. */
  private static final Set<String> SKIPPED =
      Set.of("target", "node_modules", ".git", ".mvn", ".idea");

  private static final Set<String> TEXT =
      Set.of("java", "sql", "md", "html", "js", "mjs", "css", "yaml", "yml", "properties", "xml");

  private static final Set<String> SOURCE = Set.of("java", "sql", "html", "js", "mjs", "css");

  /** A sitting, a run by letter, a migration number: history told as if it were the product. */
  private static final Pattern NARRATION =
      Pattern.compile("(?i:session)|\\brun [A-Q]\\b|\\bV[0-9]{2}\\b");

  /**
   * Real uses of the word "session": the console's HTTP session and its cookie, Spring Security's
   * session handling, Kafka's consumer group session, PostgreSQL sessions.
   */
  private static final Pattern REAL_SESSION =
      Pattern.compile(
          "(?i)console|http|cookie|sign|signed|consumer|kafka|group|SESSION_TIMEOUT|Session[A-Z]"
              + "|[a-z]Session|session[-_ .(]|sessions a test|idle session|the session (ends|is"
              + " invalidated|has ended|must not|lives)|session id|sessionTimeout|server session"
              + "|a session must|Your session|browser's session|\\(session\\)");

  @Test
  void noProjectTextNarratesHowItWasWritten() {
    List<String> found = new ArrayList<>();
    for (Path file : files(TEXT)) {
      List<String> lines = lines(file);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (NARRATION.matcher(line).find() && !realUse(line)) {
          found.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + line.strip());
        }
      }
    }
    assertThat(found).as("lines that narrate instead of describing the product").isEmpty();
  }

  @Test
  void noMainSourceFileIsLongerThan500Lines() {
    List<String> found = new ArrayList<>();
    for (Path file : files(SOURCE)) {
      if (isMainSource(file) && lines(file).size() > 500) {
        found.add(ROOT.relativize(file) + ": " + lines(file).size() + " lines");
      }
    }
    assertThat(found).as("main source files over 500 lines").isEmpty();
  }

  @Test
  void theScanSeesTheProject() {
    List<Path> sources = files(SOURCE).stream().filter(ProjectTextTest::isMainSource).toList();
    assertThat(sources)
        .as("main sources found under %s", ROOT)
        .anyMatch(p -> p.endsWith(Path.of("io", "sagacoord", "dsl", "engine", "SagaEngine.java")));
    assertThat(files(TEXT)).anyMatch(p -> p.endsWith(Path.of("docs", "performance.md")));
  }

  private static boolean realUse(String line) {
    // a migration number or run letter is never a real use; "session" is, in these contexts
    String rest = line.replaceAll("(?i)session", "");
    return !NARRATION.matcher(rest).find() && REAL_SESSION.matcher(line).find();
  }

  private static boolean isMainSource(Path file) {
    String path = ROOT.relativize(file).toString().replace('\\', '/');
    return path.contains("/src/main/");
  }

  private static List<Path> files(Set<String> extensions) {
    try (Stream<Path> walk = Files.walk(ROOT)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !skipped(p))
          .filter(p -> extensions.contains(extension(p)))
          // this test names the patterns it looks for
          .filter(p -> !p.endsWith("ProjectTextTest.java"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean skipped(Path file) {
    for (Path part : ROOT.relativize(file)) {
      if (SKIPPED.contains(part.toString())) {
        return true;
      }
    }
    return false;
  }

  private static String extension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1);
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository's root: the nearest folder up from the working directory with mvnw in it. */
  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
