package io.sagacoord.participant;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NoSpringArchitectureTests {
  private final JavaClasses sdk =
      // the module's own compiled classes only: scanning the whole class path is slow
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPath(
              Path.of(
                  Participant.class.getProtectionDomain().getCodeSource().getLocation().getPath()));

  @Test
  void participantSdkDoesNotDependOnSpring() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..")
        .check(sdk);
  }

  @Test
  void publicApiDoesNotUseJackson2() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.fasterxml.jackson.databind..")
        .check(sdk);
  }
}
