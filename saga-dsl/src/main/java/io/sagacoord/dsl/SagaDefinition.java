package io.sagacoord.dsl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * An immutable, validated saga definition. Build one with {@link #named(String, Class)}:
 *
 * <pre>{@code
 * SagaDefinition<TripData> trip = SagaDefinition.named("trip-booking", TripData.class)
 *     .version(1)
 *     .deadline(Duration.ofMinutes(30))
 *     .step("book-flight")
 *         .invoke(FLIGHTS, "BookFlight", d -> new BookFlight(d.tripId(), d.from(), d.to()))
 *         .onReply(FlightBooked.class, (d, r) -> d.withFlight(r.bookingId()))
 *         .compensateWith("CancelFlight", d -> new CancelFlight(d.flightBooking()))
 *     .step("charge")
 *         .invoke(PAYMENTS, "ChargeCard", d -> new ChargeCard(d.tripId(), d.amount()))
 *         .pivot()
 *     .build();
 * }</pre>
 *
 * @param <D> the saga data type (a record is the norm); handlers return new values
 */
public final class SagaDefinition<D> {

  /** Default timeout of one step attempt when neither the step nor the saga sets one. */
  public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final int version;
  private final Class<D> dataType;
  private final Duration deadline;
  private final Duration defaultTimeout;
  private final RetryPolicy defaultRetry;
  private final RetryPolicy defaultCompensationRetry;
  private final List<StepDefinition<D>> steps;
  private final Map<String, StepDefinition<D>> byName;
  private final List<List<StepDefinition<D>>> stages;
  private final List<ParticipantRef> participants;
  private final SagaDescription description;
  private final StartRules<D> startRules;

  /** What a start is checked against before anything is written. */
  record StartRules<D>(
      List<Function<? super D, ? extends Collection<String>>> validators,
      StartWhenUnavailable whenUnavailable) {
    StartRules {
      validators = List.copyOf(validators);
    }
  }

  SagaDefinition(
      String name,
      int version,
      Class<D> dataType,
      Duration deadline,
      Duration defaultTimeout,
      RetryPolicy defaultRetry,
      RetryPolicy defaultCompensationRetry,
      List<StepDefinition<D>> steps,
      StartRules<D> startRules) {
    this.name = name;
    this.startRules = startRules;
    this.version = version;
    this.dataType = dataType;
    this.deadline = deadline;
    this.defaultTimeout = defaultTimeout;
    this.defaultRetry = defaultRetry;
    this.defaultCompensationRetry = defaultCompensationRetry;
    this.steps = List.copyOf(steps);
    Map<String, StepDefinition<D>> map = new LinkedHashMap<>();
    Set<ParticipantRef> ps = new LinkedHashSet<>();
    List<List<StepDefinition<D>>> st = new ArrayList<>();
    String openGroup = null;
    for (StepDefinition<D> s : this.steps) {
      map.put(s.name(), s);
      ps.add(s.participant());
      String g = s.group().orElse(null);
      if (g != null && g.equals(openGroup)) {
        st.get(st.size() - 1).add(s);
      } else {
        st.add(new ArrayList<>(List.of(s)));
      }
      openGroup = g;
    }
    this.byName = java.util.Collections.unmodifiableMap(map);
    this.stages = st.stream().map(List::copyOf).toList();
    this.participants = List.copyOf(ps);
    this.description = describeNow();
  }

  /**
   * The entry point: a saga type name and its data class. Defaults: version 1, no deadline, step
   * timeout 30 s, retry {@link RetryPolicy#DEFAULT_FORWARD}, compensation retry {@link
   * RetryPolicy#DEFAULT_COMPENSATION}.
   *
   * @param name 1-100 characters of lower-case letters, digits, '.', '_' and '-'
   * @throws IllegalArgumentException if the name is not valid
   * @throws NullPointerException if the data type is null
   */
  public static <D> SagaBuilder<D> named(String name, Class<D> dataType) {
    return new DefinitionBuilder<>(name, dataType);
  }

  public String name() {
    return name;
  }

  public int version() {
    return version;
  }

  public Class<D> dataType() {
    return dataType;
  }

  /** The saga deadline counted from its start, empty when none. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** All steps in definition order. */
  public List<StepDefinition<D>> steps() {
    return steps;
  }

  /** A step by name. */
  public Optional<StepDefinition<D>> step(String stepName) {
    return Optional.ofNullable(byName.get(stepName));
  }

  /**
   * The steps grouped in execution stages: a single step, or the members of one parallel group, in
   * definition order.
   */
  public List<List<StepDefinition<D>>> stages() {
    return stages;
  }

  /** Participants in order of first use. */
  public List<ParticipantRef> participants() {
    return participants;
  }

  /**
   * The violations the definition's {@code validate} rules find in start data, in declaration
   * order; empty when the data is acceptable (or no rule is declared).
   *
   * @throws RuntimeException whatever a rule throws (definition code)
   */
  public List<String> violationsOf(D data) {
    List<String> violations = new ArrayList<>();
    for (Function<? super D, ? extends Collection<String>> rule : startRules.validators()) {
      Collection<String> found = rule.apply(data);
      if (found != null) {
        found.stream().filter(Objects::nonNull).forEach(violations::add);
      }
    }
    return List.copyOf(violations);
  }

  /** Whether the definition declares a {@code validate} rule. */
  public boolean validatesStartData() {
    return !startRules.validators().isEmpty();
  }

  /**
   * What a start does when a participant of its first commands is unavailable; empty when the
   * definition leaves it to the coordinator's setting.
   */
  public Optional<StartWhenUnavailable> whenFirstParticipantUnavailable() {
    return Optional.ofNullable(startRules.whenUnavailable());
  }

  /** Hex SHA-256 of the definition's structure; see {@link SagaDescription}. */
  public String fingerprint() {
    return description.fingerprint();
  }

  /** The stable model of this definition, renderable as text or JSON. */
  public SagaDescription describe() {
    return description;
  }

  /** Whether the step named is after the (single) pivot in definition order. */
  public boolean isAfterPivot(String stepName) {
    boolean pivotSeen = false;
    for (StepDefinition<D> s : steps) {
      if (s.name().equals(stepName)) {
        return pivotSeen;
      }
      if (s.kind() == StepKind.PIVOT) {
        pivotSeen = true;
      }
    }
    return false;
  }

  /** The pivot step, if any. */
  public Optional<StepDefinition<D>> pivot() {
    return steps.stream().filter(s -> s.kind() == StepKind.PIVOT).findFirst();
  }

  private SagaDescription describeNow() {
    List<SagaDescription.StepDescription> ds = new ArrayList<>();
    for (StepDefinition<D> s : steps) {
      ds.add(
          new SagaDescription.StepDescription(
              s.name(),
              s.group().orElse(null),
              s.kind(),
              s.participant().name(),
              s.participant().commandTopic(),
              s.commandType(),
              s.compensationCommandType().orElse(null),
              s.declaresNoCompensation(),
              s.conditional(),
              s.timeout(),
              s.retry(),
              s.hasCompensation() ? s.compensationRetry() : null,
              s.replyType().map(Class::getName).orElse(null)));
    }
    String structure =
        SagaDescription.structureJson(
            name, version, deadline, defaultTimeout, defaultRetry, defaultCompensationRetry, ds);
    return new SagaDescription(
        name,
        version,
        dataType.getName(),
        deadline,
        defaultTimeout,
        defaultRetry,
        defaultCompensationRetry,
        participants,
        ds,
        SagaDescription.fingerprintOf(structure));
  }

  @Override
  public String toString() {
    return "SagaDefinition[" + name + " v" + version + ", " + steps.size() + " steps]";
  }

  static <T> T requireNonNull(T value, String field) {
    return Objects.requireNonNull(value, field + " must not be null");
  }
}
