package io.sagacoord.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of the coordinator (docs/architecture.md, "Inside the coordinator"): its {@code
 * internal} packages are cut by feature and form no cycle, controllers read through the query
 * package and never touch storage, and Kafka client types stay in the Kafka adapter, which no other
 * package calls into.
 */
class ServerPackagesTest {

  private static final String INTERNAL = "io.sagacoord.server.internal";
  private static final String KAFKA_ADAPTER = INTERNAL + ".kafka..";
  private static final String STORAGE = INTERNAL + ".storage..";
  private static final String HTTP = INTERNAL + ".http..";
  private static final String STORABLE = INTERNAL + ".storage.Storable";

  private static JavaClasses server;

  @BeforeAll
  static void importServer() {
    server = ModuleClasses.of("sec-server", "sec-server");
    assertThat(server).as("classes of sec-server").isNotEmpty();
  }

  @Test
  void internalPackagesFormNoCycle() {
    ArchRule rule =
        slices()
            .matching(INTERNAL + ".(*)..")
            .should()
            .beFreeOfCycles()
            .because("each feature package builds on lower ones only, never back up");
    rule.check(server);
  }

  @Test
  void noPackageIsNamedEngine() {
    ArchRule rule =
        noClasses()
            .should()
            .resideInAPackage("io.sagacoord.server..engine..")
            .because("the engine is saga-dsl's; the coordinator only calls it");
    rule.check(server);
  }

  @Test
  void controllersDoNotTouchStorage() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage(HTTP)
            .or()
            .areAnnotatedWith("org.springframework.web.bind.annotation.RestController")
            .should()
            .dependOnClassesThat(
                resideInAPackage(STORAGE).and(not(name(STORABLE))).or(simpleNameEndingWith("Dao")))
            .because(
                "controllers read through the query package and act through the operator one; they"
                    + " may apply Storable, the rules of what a column can hold (no NUL, the instant"
                    + " range), to input before any transaction, which is neither a table nor its"
                    + " SQL");
    rule.check(server);
  }

  @Test
  void kafkaClientTypesStayInTheKafkaAdapter() {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage(KAFKA_ADAPTER)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.kafka..")
            .because(
                "the Kafka adapter turns records into messages and rows into records; the rest of"
                    + " the coordinator works on those");
    rule.check(server);
  }

  @Test
  void nothingCallsIntoTheKafkaAdapter() {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage(KAFKA_ADAPTER)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(KAFKA_ADAPTER)
            .because(
                "the adapter sits on top: it calls the intake and outbox packages through their"
                    + " interfaces, never the other way round");
    rule.check(server);
  }

  @Test
  void storageDependsOnNoOtherInternalPackage() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage(STORAGE)
            .should()
            .dependOnClassesThat(
                resideInAPackage(INTERNAL + "..").and(resideOutsideOfPackage(STORAGE)))
            .because("storage is the lowest layer: tables and their SQL, nothing above them");
    rule.check(server);
  }
}
