package io.sagacoord.dsl;

import static io.sagacoord.dsl.SagaDefinition.requireNonNull;

import io.sagacoord.dsl.InvalidSagaDefinitionException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one mutable object behind all builder stages. The stage interfaces restrict which call may
 * come next; this class only records. Null and malformed inputs fail at once naming the field;
 * range and cross-step rules are collected by {@link #build()} so that all problems are reported
 * together, each with its step.
 */
final class DefinitionBuilder<D>
    implements SagaBuilder<D>, StepStart<D>, StepInvoked<D>, ParallelSteps<D> {

  private static final Pattern SAGA_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern COMMAND_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}");

  private final String name;
  private final Class<D> dataType;
  private int version = 1;
  private Duration deadline;
  private Duration defaultTimeout = SagaDefinition.DEFAULT_STEP_TIMEOUT;
  private RetryPolicy defaultRetry = RetryPolicy.DEFAULT_FORWARD;
  private RetryPolicy defaultCompensationRetry = RetryPolicy.DEFAULT_COMPENSATION;
  private final List<Function<? super D, ? extends Collection<String>>> startRules =
      new ArrayList<>();
  private StartWhenUnavailable whenUnavailable;
  private final List<StepSpec<D>> specs = new ArrayList<>();
  private final Map<String, Integer> groupSizes = new LinkedHashMap<>();
  private final List<String> groupOrder = new ArrayList<>();
  private StepSpec<D> current;
  private String openGroup;
  private boolean built;

  /** Mutable record of one step while it is being declared. */
  private static final class StepSpec<D> {
    String name;
    String group;
    StepKind kind = StepKind.COMPENSATABLE;
    ParticipantRef participant;
    String commandType;
    Function<? super D, ?> command;
    Class<?> replyType;
    BiFunction<D, Object, D> replyHandler;
    Class<?> failureType;
    BiFunction<D, Object, D> failureHandler;
    String compensationCommandType;
    Function<? super D, ?> compensation;
    boolean noCompensation;
    Duration timeout;
    RetryPolicy retry;
    RetryPolicy compensationRetry;
    Predicate<? super D> condition;
  }

  DefinitionBuilder(String name, Class<D> dataType) {
    if (name == null || !SAGA_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name '"
              + name
              + "' must be 1-100 characters of a-z, 0-9, '.', '_' and '-', starting with a letter"
              + " or digit");
    }
    this.name = name;
    this.dataType = requireNonNull(dataType, "dataType");
  }

  // ---- saga level

  @Override
  public SagaBuilder<D> version(int version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, was " + version);
    }
    this.version = version;
    return this;
  }

  @Override
  public SagaBuilder<D> deadline(Duration deadline) {
    this.deadline = requireNonNull(deadline, "deadline");
    return this;
  }

  @Override
  public SagaBuilder<D> defaultTimeout(Duration timeout) {
    this.defaultTimeout = requireNonNull(timeout, "defaultTimeout");
    return this;
  }

  @Override
  public SagaBuilder<D> defaultRetry(RetryPolicy policy) {
    this.defaultRetry = requireNonNull(policy, "defaultRetry");
    return this;
  }

  @Override
  public SagaBuilder<D> defaultCompensationRetry(RetryPolicy policy) {
    this.defaultCompensationRetry = requireNonNull(policy, "defaultCompensationRetry");
    return this;
  }

  @Override
  public SagaBuilder<D> validate(Function<? super D, ? extends Collection<String>> rule) {
    startRules.add(requireNonNull(rule, "validate rule"));
    return this;
  }

  @Override
  public SagaBuilder<D> whenFirstParticipantUnavailable(StartWhenUnavailable policy) {
    this.whenUnavailable = requireNonNull(policy, "whenFirstParticipantUnavailable");
    return this;
  }

  // ---- steps and groups

  @Override
  public StepStart<D> step(String stepName) {
    checkOpen();
    if (stepName == null || !STEP_NAME.matcher(stepName).matches()) {
      throw new IllegalArgumentException(
          "step name '"
              + stepName
              + "' must be 1-100 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a"
              + " letter or digit");
    }
    current = new StepSpec<>();
    current.name = stepName;
    current.group = openGroup;
    specs.add(current);
    if (openGroup != null) {
      groupSizes.merge(openGroup, 1, Integer::sum);
    }
    return this;
  }

  @Override
  public SagaSteps<D> parallel(String groupName, Consumer<ParallelSteps<D>> members) {
    checkOpen();
    if (openGroup != null) {
      throw new IllegalStateException(
          "parallel groups do not nest: '"
              + groupName
              + "' is declared inside '"
              + openGroup
              + "'");
    }
    if (groupName == null || !STEP_NAME.matcher(groupName).matches()) {
      throw new IllegalArgumentException(
          "groupName '" + groupName + "' must be 1-100 characters of A-Z, a-z, 0-9, '.', '_', '-'");
    }
    requireNonNull(members, "members");
    openGroup = groupName;
    groupOrder.add(groupName);
    groupSizes.putIfAbsent(groupName, 0);
    try {
      members.accept(this);
    } finally {
      openGroup = null;
      current = null;
    }
    return this;
  }

  @Override
  public StepInvoked<D> invoke(
      ParticipantRef participant, String commandType, Function<? super D, ?> command) {
    current.participant = requireNonNull(participant, "participant");
    current.commandType = requireCommandType(commandType, "commandType");
    current.command = requireNonNull(command, "command");
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R> StepReplied<D> onReply(Class<R> replyType, BiFunction<D, R, D> handler) {
    current.replyType = requireNonNull(replyType, "replyType");
    current.replyHandler = (BiFunction<D, Object, D>) requireNonNull(handler, "handler");
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <F> StepCompensation<D> onFailure(Class<F> failureType, BiFunction<D, F, D> handler) {
    current.failureType = requireNonNull(failureType, "failureType");
    current.failureHandler = (BiFunction<D, Object, D>) requireNonNull(handler, "handler");
    return this;
  }

  @Override
  public StepTail<D> compensateWith(String commandType, Function<? super D, ?> command) {
    current.compensationCommandType = requireCommandType(commandType, "compensation commandType");
    current.compensation = requireNonNull(command, "compensation command");
    return this;
  }

  @Override
  public StepTail<D> noCompensation() {
    current.noCompensation = true;
    return this;
  }

  @Override
  public StepTail<D> pivot() {
    current.kind = StepKind.PIVOT;
    return this;
  }

  @Override
  public StepTail<D> retriable() {
    current.kind = StepKind.RETRIABLE;
    return this;
  }

  @Override
  public StepTail<D> timeout(Duration timeout) {
    current.timeout = requireNonNull(timeout, "timeout");
    return this;
  }

  @Override
  public StepTail<D> retry(RetryPolicy policy) {
    current.retry = requireNonNull(policy, "retry");
    return this;
  }

  @Override
  public StepTail<D> compensationRetry(RetryPolicy policy) {
    current.compensationRetry = requireNonNull(policy, "compensationRetry");
    return this;
  }

  @Override
  public StepTail<D> when(Predicate<? super D> condition) {
    current.condition = requireNonNull(condition, "condition");
    return this;
  }

  // ---- build

  @Override
  public SagaDefinition<D> build() {
    if (openGroup != null) {
      throw new IllegalStateException(
          "build() called inside parallel group '" + openGroup + "'; call it after the group");
    }
    List<Problem> problems = validate();
    if (!problems.isEmpty()) {
      throw new InvalidSagaDefinitionException(name, problems);
    }
    built = true;
    List<StepDefinition<D>> steps = new ArrayList<>();
    for (StepSpec<D> s : specs) {
      steps.add(
          new StepDefinition<>(
              s.name,
              s.group,
              s.kind,
              s.participant,
              s.commandType,
              s.command,
              s.replyType,
              s.replyHandler,
              s.failureType,
              s.failureHandler,
              s.compensationCommandType,
              s.compensation,
              s.noCompensation,
              s.timeout != null ? s.timeout : defaultTimeout,
              s.retry != null ? s.retry : defaultRetry,
              s.compensationRetry != null ? s.compensationRetry : defaultCompensationRetry,
              s.condition));
    }
    return new SagaDefinition<>(
        name,
        version,
        dataType,
        deadline,
        defaultTimeout,
        defaultRetry,
        defaultCompensationRetry,
        steps,
        new SagaDefinition.StartRules<>(startRules, whenUnavailable));
  }

  private List<Problem> validate() {
    List<Problem> problems = new ArrayList<>();
    // saga level first, then each step in order, then groups: a stable order for the message
    checkPositive(problems, null, "saga deadline", deadline);
    checkPositive(problems, null, "saga defaultTimeout", defaultTimeout);
    checkPolicy(problems, null, "saga defaultRetry", defaultRetry);
    checkPolicy(problems, null, "saga defaultCompensationRetry", defaultCompensationRetry);
    if (specs.isEmpty()) {
      problems.add(new Problem(ValidationRule.NO_STEPS, null, "saga has no steps"));
    }
    Set<String> seen = new HashSet<>();
    Map<String, Integer> firstIndex = new HashMap<>();
    String pivot = null;
    for (int i = 0; i < specs.size(); i++) {
      StepSpec<D> s = specs.get(i);
      String where = "step '" + s.name + "'";
      if (!seen.add(s.name)) {
        problems.add(
            new Problem(
                ValidationRule.DUPLICATE_STEP_NAME,
                s.name,
                where
                    + " is declared more than once (first at position "
                    + (firstIndex.get(s.name) + 1)
                    + ")"));
      } else {
        firstIndex.put(s.name, i);
      }
      if (s.participant == null) {
        // only reachable when a group lambda declares a step and stops before invoke(...)
        problems.add(
            new Problem(ValidationRule.MISSING_COMMAND, s.name, where + " has no invoke(...)"));
        continue;
      }
      switch (s.kind) {
        case COMPENSATABLE -> {
          if (pivot != null) {
            problems.add(
                new Problem(
                    ValidationRule.COMPENSATABLE_AFTER_PIVOT,
                    s.name,
                    where
                        + " is compensatable but comes after the pivot '"
                        + pivot
                        + "'; only retriable steps may follow the pivot"));
          } else if (s.compensation == null && !s.noCompensation) {
            problems.add(
                new Problem(
                    ValidationRule.MISSING_COMPENSATION,
                    s.name,
                    where
                        + " is compensatable but declares neither compensateWith(...) nor"
                        + " noCompensation()"));
          }
        }
        case PIVOT -> {
          if (pivot != null) {
            problems.add(
                new Problem(
                    ValidationRule.MULTIPLE_PIVOTS,
                    s.name,
                    where + " is a second pivot; '" + pivot + "' is already the pivot"));
          } else {
            pivot = s.name;
          }
          if (s.group != null) {
            problems.add(
                new Problem(
                    ValidationRule.PIVOT_IN_PARALLEL_GROUP,
                    s.name,
                    where + " is a pivot inside parallel group '" + s.group + "'"));
          }
        }
        case RETRIABLE -> {
          if (pivot == null) {
            problems.add(
                new Problem(
                    ValidationRule.RETRIABLE_WITHOUT_PIVOT,
                    s.name,
                    where + " is retriable but no pivot comes before it"));
          }
        }
      }
      checkPositive(problems, s.name, where + " timeout", s.timeout);
      checkPolicy(problems, s.name, where + " retry", s.retry);
      checkPolicy(problems, s.name, where + " compensationRetry", s.compensationRetry);
    }
    for (String g : groupOrder) {
      int size = groupSizes.getOrDefault(g, 0);
      if (size < 2) {
        problems.add(
            new Problem(
                ValidationRule.GROUP_TOO_SMALL,
                g,
                "parallel group '" + g + "' has " + size + " step(s); it needs at least two"));
      }
      if (seen.contains(g) && groupOrder.indexOf(g) == groupOrder.lastIndexOf(g)) {
        problems.add(
            new Problem(
                ValidationRule.DUPLICATE_GROUP_NAME,
                g,
                "parallel group '" + g + "' has the name of a step"));
      }
    }
    Set<String> groupSeen = new HashSet<>();
    for (String g : groupOrder) {
      if (!groupSeen.add(g)) {
        problems.add(
            new Problem(
                ValidationRule.DUPLICATE_GROUP_NAME,
                g,
                "parallel group '" + g + "' is declared more than once"));
      }
    }
    return problems;
  }

  private static void checkPositive(
      List<Problem> problems, String step, String field, Duration value) {
    if (value != null && (value.isZero() || value.isNegative())) {
      problems.add(
          new Problem(
              ValidationRule.NON_POSITIVE_DURATION,
              step,
              field + " must be positive, was " + value));
    }
  }

  private static void checkPolicy(
      List<Problem> problems, String step, String field, RetryPolicy policy) {
    if (policy == null) {
      return;
    }
    if (policy.maxAttempts() < 1) {
      problems.add(
          new Problem(
              ValidationRule.RETRY_ATTEMPTS_BELOW_ONE,
              step,
              field + " maxAttempts must be at least 1, was " + policy.maxAttempts()));
    }
    checkPositive(problems, step, field + " initialDelay", policy.initialDelay());
    checkPositive(problems, step, field + " maxDelay", policy.maxDelay());
  }

  private static String requireCommandType(String commandType, String field) {
    if (commandType == null || !COMMAND_TYPE.matcher(commandType).matches()) {
      throw new IllegalArgumentException(
          field
              + " '"
              + commandType
              + "' must be 1-200 characters of letters, digits, '.', '_', ':', '/' and '-'");
    }
    return commandType;
  }

  private void checkOpen() {
    if (built) {
      throw new IllegalStateException("this builder has already built saga '" + name + "'");
    }
  }
}
