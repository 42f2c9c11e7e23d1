package io.sagacoord.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports the main classes of one module, found by its location on the test class path: the
 * module's {@code target/classes} folder inside the reactor, or its jar from a repository. Modules
 * are told apart by location rather than by package so that a rule cannot be dodged by choosing
 * another package name. Classes that Spring's ahead-of-time processing generates (their names hold
 * {@code __}, such as {@code Foo__BeanDefinitions}) are left out: they wire every bean and follow
 * no package rule of ours.
 */
final class ModuleClasses {

  private static final String VERSION = System.getProperty("sagacoord.version", "0.1.0-SNAPSHOT");

  private ModuleClasses() {}

  static JavaClasses of(String artifactId, String moduleDirectory) {
    List<Location> locations = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry).toAbsolutePath().normalize();
      boolean reactorClasses =
          path.endsWith(Path.of(moduleDirectory, "target", "classes"))
              || path.endsWith(
                  Path.of(moduleDirectory, "target", artifactId + "-" + VERSION + ".jar"));
      boolean repositoryJar =
          path.getFileName().toString().equals(artifactId + "-" + VERSION + ".jar");
      if (reactorClasses || repositoryJar) {
        URI uri = path.toUri();
        locations.add(Location.of(uri));
      }
    }
    assertThat(locations)
        .as("module %s (%s) must be on the test class path", artifactId, moduleDirectory)
        .isNotEmpty();
    return new ClassFileImporter()
        .withImportOption(location -> !location.contains("__"))
        .importLocations(locations);
  }
}
