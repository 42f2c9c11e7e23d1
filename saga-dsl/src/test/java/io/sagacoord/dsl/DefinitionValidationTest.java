package io.sagacoord.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.dsl.InvalidSagaDefinitionException.Problem;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per rule of build(): each invalid definition is rejected naming the rule and step. */
class DefinitionValidationTest {

  record Data(String id) {}

  private static final ParticipantRef P = ParticipantRef.named("svc");

  private static SagaBuilder<Data> saga() {
    return SagaDefinition.named("demo", Data.class);
  }

  private static List<Problem> problemsOf(SagaSteps<Data> steps) {
    try {
      steps.build();
    } catch (InvalidSagaDefinitionException e) {
      return e.problems();
    }
    throw new AssertionError("expected build() to fail");
  }

  private static void assertRejected(SagaSteps<Data> steps, ValidationRule rule, String step) {
    InvalidSagaDefinitionException e =
        (InvalidSagaDefinitionException)
            org.assertj.core.api.Assertions.catchThrowable(steps::build);
    assertThat(e).as("build() must fail").isNotNull();
    assertThat(e.problems())
        .extracting(Problem::rule, Problem::step)
        .contains(org.assertj.core.groups.Tuple.tuple(rule, step));
    if (step != null) {
      assertThat(e.getMessage()).contains("'" + step + "'").contains(rule.name());
    }
  }

  @Test
  void rejectsASagaWithoutSteps() {
    assertRejected(saga(), ValidationRule.NO_STEPS, null);
  }

  @Test
  void rejectsDuplicateStepNamesNamingTheStep() {
    assertRejected(
        saga()
            .step("a")
            .invoke(P, "A", d -> d)
            .noCompensation()
            .step("a")
            .invoke(P, "A2", d -> d)
            .noCompensation(),
        ValidationRule.DUPLICATE_STEP_NAME,
        "a");
  }

  @Test
  void rejectsACompensatableStepWithoutCompensation() {
    assertRejected(
        saga().step("reserve").invoke(P, "Reserve", d -> d).timeout(Duration.ofSeconds(1)),
        ValidationRule.MISSING_COMPENSATION,
        "reserve");
  }

  @Test
  void rejectsACompensatableStepAfterThePivot() {
    assertRejected(
        saga()
            .step("pay")
            .invoke(P, "Pay", d -> d)
            .pivot()
            .step("ship")
            .invoke(P, "Ship", d -> d)
            .compensateWith("Unship", d -> d),
        ValidationRule.COMPENSATABLE_AFTER_PIVOT,
        "ship");
  }

  @Test
  void rejectsASecondPivot() {
    assertRejected(
        saga()
            .step("pay")
            .invoke(P, "Pay", d -> d)
            .pivot()
            .step("pay-again")
            .invoke(P, "Pay", d -> d)
            .pivot(),
        ValidationRule.MULTIPLE_PIVOTS,
        "pay-again");
  }

  @Test
  void rejectsAPivotInsideAParallelGroup() {
    assertRejected(
        saga()
            .parallel(
                "both",
                g -> {
                  g.step("x").invoke(P, "X", d -> d).noCompensation();
                  g.step("pay").invoke(P, "Pay", d -> d).pivot();
                }),
        ValidationRule.PIVOT_IN_PARALLEL_GROUP,
        "pay");
  }

  @Test
  void rejectsARetriableStepWithoutAPivotBeforeIt() {
    assertRejected(
        saga().step("mail").invoke(P, "Mail", d -> d).retriable(),
        ValidationRule.RETRIABLE_WITHOUT_PIVOT,
        "mail");
  }

  @Test
  void rejectsNonPositiveDurationsNamingTheStep() {
    assertRejected(
        saga().step("a").invoke(P, "A", d -> d).noCompensation().timeout(Duration.ZERO),
        ValidationRule.NON_POSITIVE_DURATION,
        "a");
    assertRejected(
        saga()
            .step("b")
            .invoke(P, "B", d -> d)
            .noCompensation()
            .retry(RetryPolicy.fixed(2, Duration.ofSeconds(-1))),
        ValidationRule.NON_POSITIVE_DURATION,
        "b");
    assertRejected(
        saga().deadline(Duration.ofSeconds(-5)).step("c").invoke(P, "C", d -> d).noCompensation(),
        ValidationRule.NON_POSITIVE_DURATION,
        null);
  }

  @Test
  void rejectsRetryAttemptsBelowOne() {
    assertRejected(
        saga()
            .step("a")
            .invoke(P, "A", d -> d)
            .compensateWith("UndoA", d -> d)
            .compensationRetry(RetryPolicy.fixed(0, Duration.ofSeconds(1))),
        ValidationRule.RETRY_ATTEMPTS_BELOW_ONE,
        "a");
  }

  @Test
  void rejectsAParallelGroupWithFewerThanTwoSteps() {
    assertRejected(
        saga().parallel("solo", g -> g.step("a").invoke(P, "A", d -> d).noCompensation()),
        ValidationRule.GROUP_TOO_SMALL,
        "solo");
  }

  @Test
  void listsEveryProblemAtOnceInDefinitionOrder() {
    List<Problem> problems =
        problemsOf(
            saga()
                .step("a")
                .invoke(P, "A", d -> d)
                .step("b")
                .invoke(P, "B", d -> d)
                .retriable()
                .timeout(Duration.ZERO)
                .step("a")
                .invoke(P, "A", d -> d)
                .noCompensation());
    assertThat(problems)
        .extracting(Problem::rule)
        .containsExactly(
            ValidationRule.MISSING_COMPENSATION,
            ValidationRule.RETRIABLE_WITHOUT_PIVOT,
            ValidationRule.NON_POSITIVE_DURATION,
            ValidationRule.DUPLICATE_STEP_NAME);
  }

  @Test
  void checksBuilderInputsAtOnceNamingTheField() {
    assertThatThrownBy(() -> SagaDefinition.named("Bad Name", Data.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> saga().version(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version");
    assertThatThrownBy(() -> saga().step("a").invoke(null, "A", d -> d))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("participant");
    assertThatThrownBy(() -> saga().step("a").invoke(P, " ", d -> d))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commandType");
    assertThatThrownBy(() -> saga().step("a").invoke(P, "A", d -> d).timeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> RetryPolicy.exponential(3, Duration.ofSeconds(1)).withMultiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> ParticipantRef.named("Flight Service"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("participant name");
    assertThatThrownBy(() -> saga().parallel("g", g -> g.step("a").invoke(P, "A", d -> d).build()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aValidDefinitionBuildsWithDefaultsApplied() {
    SagaDefinition<Data> def =
        saga().step("a").invoke(P, "A", d -> d).compensateWith("UndoA", d -> d).build();
    StepDefinition<Data> a = def.step("a").orElseThrow();
    assertThat(a.timeout()).isEqualTo(SagaDefinition.DEFAULT_STEP_TIMEOUT);
    assertThat(a.retry()).isEqualTo(RetryPolicy.DEFAULT_FORWARD);
    assertThat(a.compensationRetry()).isEqualTo(RetryPolicy.DEFAULT_COMPENSATION);
    assertThat(a.kind()).isEqualTo(StepKind.COMPENSATABLE);
    assertThat(def.version()).isEqualTo(1);
    assertThat(def.deadline()).isEmpty();
    assertThat(def.participants()).containsExactly(P);
    assertThat(P.commandTopic()).isEqualTo("saga.svc.commands");
  }
}
