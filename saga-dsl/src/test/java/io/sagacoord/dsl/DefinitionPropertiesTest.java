package io.sagacoord.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sagacoord.dsl.InvalidSagaDefinitionException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.assertj.core.groups.Tuple;

/**
 * Generated definitions: valid ones build and describe deterministically; one named mutation per
 * rule makes build() reject the definition naming that rule and that step.
 */
class DefinitionPropertiesTest {

  record Data(String id) {}

  enum Compensation {
    COMMAND,
    NONE,
    MISSING
  }

  /** One planned step; group null for a step of its own. */
  record StepPlan(
      String name,
      String group,
      StepKind kind,
      Compensation compensation,
      long timeoutMillis,
      int attempts,
      boolean conditional) {
    StepPlan withName(String n) {
      return new StepPlan(n, group, kind, compensation, timeoutMillis, attempts, conditional);
    }

    StepPlan withGroup(String g) {
      return new StepPlan(name, g, kind, compensation, timeoutMillis, attempts, conditional);
    }

    StepPlan withCompensation(Compensation c) {
      return new StepPlan(name, group, kind, c, timeoutMillis, attempts, conditional);
    }

    StepPlan withTimeout(long ms) {
      return new StepPlan(name, group, kind, compensation, ms, attempts, conditional);
    }

    StepPlan withAttempts(int a) {
      return new StepPlan(name, group, kind, compensation, timeoutMillis, a, conditional);
    }
  }

  /** Mutations, each breaking exactly the rule it names. */
  enum Mutation {
    NO_STEPS(ValidationRule.NO_STEPS),
    DUPLICATE_STEP_NAME(ValidationRule.DUPLICATE_STEP_NAME),
    MISSING_COMPENSATION(ValidationRule.MISSING_COMPENSATION),
    COMPENSATABLE_AFTER_PIVOT(ValidationRule.COMPENSATABLE_AFTER_PIVOT),
    MULTIPLE_PIVOTS(ValidationRule.MULTIPLE_PIVOTS),
    PIVOT_IN_PARALLEL_GROUP(ValidationRule.PIVOT_IN_PARALLEL_GROUP),
    RETRIABLE_WITHOUT_PIVOT(ValidationRule.RETRIABLE_WITHOUT_PIVOT),
    NON_POSITIVE_DURATION(ValidationRule.NON_POSITIVE_DURATION),
    RETRY_ATTEMPTS_BELOW_ONE(ValidationRule.RETRY_ATTEMPTS_BELOW_ONE),
    GROUP_TOO_SMALL(ValidationRule.GROUP_TOO_SMALL);

    final ValidationRule rule;

    Mutation(ValidationRule rule) {
      this.rule = rule;
    }
  }

  private static final ParticipantRef[] PARTICIPANTS = {
    ParticipantRef.named("alpha"), ParticipantRef.named("beta"), ParticipantRef.named("gamma")
  };

  /** A valid plan: compensatable stages (some grouped), maybe a pivot, then retriable stages. */
  static List<StepPlan> validPlan(Random r) {
    List<StepPlan> plan = new ArrayList<>();
    int counter = 0;
    int groups = 0;
    int before = 1 + r.nextInt(4);
    for (int i = 0; i < before; i++) {
      String group = r.nextInt(3) == 0 ? "g" + ++groups : null;
      int members = group == null ? 1 : 2 + r.nextInt(2);
      for (int m = 0; m < members; m++) {
        plan.add(
            new StepPlan(
                "s" + ++counter,
                group,
                StepKind.COMPENSATABLE,
                r.nextInt(4) == 0 ? Compensation.NONE : Compensation.COMMAND,
                100 + r.nextInt(60_000),
                1 + r.nextInt(5),
                r.nextInt(4) == 0));
      }
    }
    if (r.nextBoolean()) {
      plan.add(
          new StepPlan(
              "s" + ++counter,
              null,
              StepKind.PIVOT,
              Compensation.NONE,
              1000,
              1 + r.nextInt(3),
              false));
      int after = r.nextInt(3);
      for (int i = 0; i < after; i++) {
        String group = r.nextInt(3) == 0 ? "g" + ++groups : null;
        int members = group == null ? 1 : 2;
        for (int m = 0; m < members; m++) {
          plan.add(
              new StepPlan(
                  "s" + ++counter,
                  group,
                  StepKind.RETRIABLE,
                  Compensation.NONE,
                  500 + r.nextInt(5000),
                  1 + r.nextInt(9),
                  false));
        }
      }
    }
    return plan;
  }

  static SagaSteps<Data> builderFor(List<StepPlan> plan) {
    SagaSteps<Data> steps =
        SagaDefinition.named("generated", Data.class).deadline(Duration.ofMinutes(5));
    int i = 0;
    while (i < plan.size()) {
      StepPlan p = plan.get(i);
      if (p.group() == null) {
        steps = declare(steps.step(p.name()), p, i);
        i++;
      } else {
        int end = i;
        while (end < plan.size() && p.group().equals(plan.get(end).group())) {
          end++;
        }
        List<StepPlan> members = plan.subList(i, end);
        int offset = i;
        steps =
            steps.parallel(
                p.group(),
                g -> {
                  for (int k = 0; k < members.size(); k++) {
                    declare(g.step(members.get(k).name()), members.get(k), offset + k);
                  }
                });
        i = end;
      }
    }
    return steps;
  }

  private static SagaSteps<Data> declare(StepStart<Data> start, StepPlan p, int index) {
    StepInvoked<Data> invoked =
        start.invoke(PARTICIPANTS[index % PARTICIPANTS.length], "Do" + p.name(), d -> d);
    StepTail<Data> tail =
        switch (p.kind()) {
          case PIVOT -> invoked.pivot();
          case RETRIABLE -> invoked.retriable();
          case COMPENSATABLE ->
              switch (p.compensation()) {
                case COMMAND -> invoked.compensateWith("Undo" + p.name(), d -> d);
                case NONE -> invoked.noCompensation();
                case MISSING -> invoked;
              };
        };
    tail =
        tail.timeout(Duration.ofMillis(p.timeoutMillis()))
            .retry(RetryPolicy.fixed(p.attempts(), Duration.ofMillis(100)));
    if (p.conditional()) {
      tail = tail.when(d -> d.id() != null);
    }
    return tail;
  }

  @Property(tries = 200)
  void validDefinitionsBuildAndDescribeDeterministically(@ForAll @LongRange long seed) {
    List<StepPlan> plan = validPlan(new Random(seed));
    SagaDefinition<Data> one = builderFor(plan).build();
    SagaDefinition<Data> two = builderFor(plan).build();
    assertThat(one.describe()).isEqualTo(two.describe());
    assertThat(one.describe().toJson()).isEqualTo(two.describe().toJson());
    assertThat(one.describe().toText()).isEqualTo(two.describe().toText());
    assertThat(one.fingerprint()).isEqualTo(two.fingerprint());
    assertThat(one.steps()).hasSize(plan.size());
  }

  @Property(tries = 300)
  void eachMutationIsRejectedNamingItsRuleAndStep(
      @ForAll @LongRange long seed, @ForAll Mutation mutation) {
    Random r = new Random(seed);
    List<StepPlan> plan = new ArrayList<>(validPlan(r));
    String expectedStep = mutate(plan, mutation, r);
    InvalidSagaDefinitionException e =
        catchThrowableOfType(InvalidSagaDefinitionException.class, () -> builderFor(plan).build());
    assertThat(e).as("build() must reject " + mutation).isNotNull();
    assertThat(e.problems())
        .extracting(Problem::rule, Problem::step)
        .contains(Tuple.tuple(mutation.rule, expectedStep));
    if (expectedStep != null) {
      assertThat(e.getMessage()).contains("'" + expectedStep + "'");
    }
  }

  /** Applies the mutation; returns the step (or group) the problem must name. */
  private static String mutate(List<StepPlan> plan, Mutation m, Random r) {
    int pivotAt = -1;
    for (int i = 0; i < plan.size(); i++) {
      if (plan.get(i).kind() == StepKind.PIVOT) {
        pivotAt = i;
      }
    }
    StepPlan template =
        new StepPlan("x", null, StepKind.COMPENSATABLE, Compensation.COMMAND, 1000, 2, false);
    switch (m) {
      case NO_STEPS -> {
        plan.clear();
        return null;
      }
      case DUPLICATE_STEP_NAME -> {
        StepPlan first = plan.get(r.nextInt(plan.size()));
        plan.add(
            template.withName(first.name()).withCompensation(Compensation.NONE).withGroup(null));
        if (pivotAt >= 0) { // keep it before the pivot so that no other rule fires
          plan.remove(plan.size() - 1);
          plan.add(0, template.withName(first.name()).withCompensation(Compensation.NONE));
        }
        return first.name();
      }
      case MISSING_COMPENSATION -> {
        plan.add(0, template.withName("bare").withCompensation(Compensation.MISSING));
        return "bare";
      }
      case COMPENSATABLE_AFTER_PIVOT -> {
        if (pivotAt < 0) {
          plan.add(new StepPlan("pivot", null, StepKind.PIVOT, Compensation.NONE, 1000, 1, false));
        }
        plan.add(template.withName("late"));
        return "late";
      }
      case MULTIPLE_PIVOTS -> {
        if (pivotAt < 0) {
          plan.add(new StepPlan("pivot", null, StepKind.PIVOT, Compensation.NONE, 1000, 1, false));
        }
        plan.add(new StepPlan("pivot2", null, StepKind.PIVOT, Compensation.NONE, 1000, 1, false));
        return "pivot2";
      }
      case PIVOT_IN_PARALLEL_GROUP -> {
        if (pivotAt >= 0) {
          plan.remove(pivotAt);
        } else {
          pivotAt = plan.size();
        }
        plan.add(
            pivotAt,
            new StepPlan("gp", "pivot-group", StepKind.PIVOT, Compensation.NONE, 1000, 1, false));
        plan.add(
            pivotAt,
            template.withName("gx").withGroup("pivot-group").withCompensation(Compensation.NONE));
        return "gp";
      }
      case RETRIABLE_WITHOUT_PIVOT -> {
        plan.add(
            0, new StepPlan("early", null, StepKind.RETRIABLE, Compensation.NONE, 1000, 3, false));
        return "early";
      }
      case NON_POSITIVE_DURATION -> {
        int i = r.nextInt(plan.size());
        plan.set(i, plan.get(i).withTimeout(-r.nextInt(1000)));
        return plan.get(i).name();
      }
      case RETRY_ATTEMPTS_BELOW_ONE -> {
        int i = r.nextInt(plan.size());
        plan.set(i, plan.get(i).withAttempts(-r.nextInt(3)));
        return plan.get(i).name();
      }
      case GROUP_TOO_SMALL -> {
        plan.add(0, template.withName("lonely").withGroup("solo"));
        return "solo";
      }
    }
    throw new IllegalStateException();
  }
}
