package io.sagacoord.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The module rules of docs/architecture.md, checked on compiled classes. */
class ModuleBoundariesTest {

  @ParameterizedTest(name = "{0} does not depend on Spring")
  @CsvSource({
    "saga-dsl, saga-dsl",
    "saga-protocol, saga-protocol",
    "participant-sdk, participant-sdk",
    "saga-json-jackson, saga-json-jackson",
    "saga-client, saga-client"
  })
  void coreLibrariesStayFreeOfSpring(String artifactId, String directory) {
    JavaClasses classes = ModuleClasses.of(artifactId, directory);
    assertThat(classes).as("classes of %s", artifactId).isNotEmpty();
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.springframework..")
            .because(
                "saga-dsl, saga-protocol, participant-sdk, saga-json-jackson and saga-client must"
                    + " be usable without Spring");
    rule.check(classes);
  }

  @ParameterizedTest(name = "{0} depends on nothing but the JDK and the protocol")
  @CsvSource({"saga-dsl, saga-dsl", "saga-protocol, saga-protocol"})
  void dslAndProtocolDependOnlyOnTheJdk(String artifactId, String directory) {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .resideOutsideOfPackages("java..", "javax.annotation..", "io.sagacoord..")
            .because("saga-dsl and saga-protocol are JDK-only libraries");
    rule.check(ModuleClasses.of(artifactId, directory));
  }

  @ParameterizedTest(name = "{0} depends on nothing but the JDK, Jackson 3 and itself")
  @CsvSource({"saga-client, saga-client, io.sagacoord.client.."})
  void clientStandsAlone(String artifactId, String directory, String ownPackages) {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .resideOutsideOfPackages("java..", "tools.jackson..", ownPackages)
            .because(
                "the client is what services put on their class path: no server, no engine, no"
                    + " framework");
    rule.check(ModuleClasses.of(artifactId, directory));
  }

  @ParameterizedTest(name = "{0} uses no internal package of ours")
  @CsvSource({"travel-booking, examples/travel-booking"})
  void examplesUseOnlyPublicApi(String artifactId, String directory) {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage("..internal..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.sagacoord..internal..")
            .because("examples show what a user writes, and users must not need internal packages")
            .allowEmptyShould(true);
    rule.check(ModuleClasses.of(artifactId, directory));
  }

  /**
   * The travel-booking image holds no test kit (its dependency is {@code provided}) and runs the
   * services, never the demo: a service class that reached the test kit, or the demo that uses it,
   * would fail there with a class missing.
   */
  @Test
  void onlyTheTravelDemoUsesTheTestKit() {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage("io.sagacoord.examples.travel.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.sagacoord.testkit..", "io.sagacoord.examples.travel.demo..")
            .because(
                "the services run from the travel-booking image, which leaves the test kit out;"
                    + " only the one-command demo starts embedded PostgreSQL and Kafka");
    rule.check(ModuleClasses.of("travel-booking", "examples/travel-booking"));
  }

  @ParameterizedTest(name = "{0} does not use Jackson 2")
  @CsvSource({
    "saga-protocol, saga-protocol",
    "saga-dsl, saga-dsl",
    "saga-json-jackson, saga-json-jackson",
    "saga-client, saga-client",
    "participant-sdk, participant-sdk",
    "participant-sdk-spring-boot, participant-sdk-spring-boot",
    "sec-testkit, sec-testkit",
    "sec-server, sec-server",
    "travel-booking, examples/travel-booking"
  })
  void ourCodeUsesJackson3Only(String artifactId, String directory) {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAPackage("com.fasterxml.jackson.databind..")
            .because(
                "we use Jackson 3 (tools.jackson); Jackson 2 is only on the class path for Flyway")
            .allowEmptyShould(true);
    rule.check(ModuleClasses.of(artifactId, directory));
  }
}
