package io.sagacoord.server.dist;

import io.sagacoord.server.SecApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.io.DefaultResourceLoader;
import sun.misc.Signal;

/**
 * Main class of the coordinator distribution: loads the definition jars of the definitions folder
 * ({@link DefinitionJars}), then starts {@link SecApplication} with them on its context class
 * loader.
 *
 * <p>The folder is the system property {@value #DEFINITIONS_PROPERTY}, else the environment
 * variable {@value #DEFINITIONS_ENV}, else {@code definitions} in the working directory if it
 * exists; without one the coordinator runs with the definitions of its class path only. A jar that
 * fails to load stops the start with exit code {@value #EXIT_BAD_DEFINITION} and one message on
 * standard error naming the jar and the cause.
 *
 * <p>SIGTERM and SIGINT stop the coordinator gracefully (Spring's shutdown: in-flight work ends,
 * consumers leave, connections close) and the process exits with code 0.
 */
public final class SecServerMain {

  /** System property naming the definitions folder. */
  public static final String DEFINITIONS_PROPERTY = "sec.definitions.dir";

  /** Environment variable naming the definitions folder, when the system property is not set. */
  public static final String DEFINITIONS_ENV = "SEC_DEFINITIONS_DIR";

  /**
   * System property naming a file to create once the coordinator has started: {@code
   * bin/sec-server} keeps a class data sharing archive only from a run that got that far.
   */
  public static final String STARTED_MARKER_PROPERTY = "sec.cds.started-marker";

  /** Exit code of a start stopped by a definition jar that cannot be loaded. */
  public static final int EXIT_BAD_DEFINITION = 3;

  private static final Log log = LogFactory.getLog(SecServerMain.class);

  private SecServerMain() {}

  public static void main(String[] args) {
    Path folder = definitionsFolder();
    ClassLoader loader = SecServerMain.class.getClassLoader();
    List<Path> jars = List.of();
    if (folder != null) {
      try {
        DefinitionJars definitions = DefinitionJars.open(folder, loader);
        loader = definitions.classLoader();
        jars = definitions.jars();
      } catch (DefinitionJarException | IllegalArgumentException e) {
        System.err.println("sec-server: cannot start: " + e.getMessage());
        System.exit(EXIT_BAD_DEFINITION);
        return;
      }
    }
    stopCleanlyOnSignals();
    Thread.currentThread().setContextClassLoader(loader);
    Path shownFolder = folder;
    List<Path> shownJars = jars;
    new SpringApplicationBuilder(SecApplication.class)
        // the application's class, not this launcher: Spring AOT's generated initializer and the
        // start-up log line are named after it
        .main(SecApplication.class)
        .resourceLoader(new DefaultResourceLoader(loader))
        .initializers(
            ctx -> {
              if (shownFolder == null) {
                log.info("No definitions folder; definitions come from the class path only");
              } else {
                log.info(
                    "Definitions folder "
                        + shownFolder
                        + ": "
                        + (shownJars.isEmpty()
                            ? "no jars"
                            : shownJars.stream().map(p -> p.getFileName().toString()).toList()));
              }
            })
        .run(args);
    markStarted();
  }

  private static void markStarted() {
    String marker = System.getProperty(STARTED_MARKER_PROPERTY);
    if (marker == null || marker.isBlank()) {
      return;
    }
    try {
      Files.writeString(Path.of(marker), "started\n");
    } catch (java.io.IOException e) {
      // without the marker the launcher records the archive again at the next start
      log.debug("cannot write " + marker + ": " + e);
    }
  }

  static Path definitionsFolder() {
    String named = System.getProperty(DEFINITIONS_PROPERTY);
    if (named == null || named.isBlank()) {
      named = System.getenv(DEFINITIONS_ENV);
    }
    if (named != null && !named.isBlank()) {
      return Path.of(named);
    }
    Path local = Path.of("definitions");
    return Files.isDirectory(local) ? local : null;
  }

  /**
   * A stop asked for by a signal is the normal end of a server: exit 0 once the shutdown hooks
   * (Spring's graceful close among them) have run, instead of the JVM's 128 + signal number.
   */
  private static void stopCleanlyOnSignals() {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> System.exit(0));
      } catch (IllegalArgumentException e) {
        // the JVM reserves this signal here (for example -Xrs): its default handling stays
      }
    }
  }
}
