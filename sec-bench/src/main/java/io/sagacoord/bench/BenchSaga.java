package io.sagacoord.bench;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.SagaDefinitionProvider;
import java.time.Duration;
import java.util.List;

/**
 * The benchmark saga: a three-step variant of the trip saga. Reserve a flight, then a hotel, then a
 * car (the pivot); each participant does one insert in its own database. A car refused because
 * {@link BenchData#failCar()} is set compensates the hotel and the flight.
 *
 * <p>Loaded by the coordinator through {@link java.util.ServiceLoader} from this module's
 * classpath.
 */
public final class BenchSaga implements SagaDefinitionProvider {

  /** The saga type, as in {@code POST /api/sagas/bench-trip}. */
  public static final String TYPE = "bench-trip";

  /**
   * A saga whose one step nobody answers: its 50-ms timeouts and back-offs fire, which is what the
   * timer lateness is measured on.
   */
  public static final String TIMERS_TYPE = "bench-timers";

  public static final ParticipantRef SILENT = ParticipantRef.named("bench-silent");

  public static final ParticipantRef FLIGHTS = ParticipantRef.named("bench-flight");
  public static final ParticipantRef HOTELS = ParticipantRef.named("bench-hotel");
  public static final ParticipantRef CARS = ParticipantRef.named("bench-car");

  public static final String RESERVE_FLIGHT = "bench.flight.reserve";
  public static final String CANCEL_FLIGHT = "bench.flight.cancel";
  public static final String RESERVE_HOTEL = "bench.hotel.reserve";
  public static final String CANCEL_HOTEL = "bench.hotel.cancel";
  public static final String RESERVE_CAR = "bench.car.reserve";

  /** The saga data: a booking reference and whether the car step must fail. */
  public record BenchData(String ref, boolean failCar) {}

  /** A reserve command: the booking reference; {@code fail} only for the car. */
  public record Reserve(String ref, boolean fail) {}

  /** A cancel command. */
  public record Cancel(String ref) {}

  /** Public for {@link java.util.ServiceLoader}. */
  public BenchSaga() {}

  @Override
  public List<SagaDefinition<?>> definitions() {
    return List.of(definition(), timersDefinition());
  }

  /** Four attempts of 50 ms each, 50 ms apart: seven timers fire per saga, then it compensates. */
  public static SagaDefinition<BenchData> timersDefinition() {
    return SagaDefinition.named(TIMERS_TYPE, BenchData.class)
        .version(1)
        .defaultTimeout(Duration.ofMillis(50))
        .defaultRetry(RetryPolicy.fixed(4, Duration.ofMillis(50)))
        .step("wait")
        .invoke(SILENT, "bench.silent.wait", d -> new Reserve(d.ref(), false))
        .noCompensation()
        .build();
  }

  /**
   * Version 1. Timeouts are long (2 minutes) on purpose: the recovery mode holds commands for a
   * while and an overloaded saturation step queues them, and neither should turn into retries.
   */
  public static SagaDefinition<BenchData> definition() {
    return SagaDefinition.named(TYPE, BenchData.class)
        .version(1)
        .defaultTimeout(Duration.ofMinutes(2))
        .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(200)))
        .step("reserve-flight")
        .invoke(FLIGHTS, RESERVE_FLIGHT, d -> new Reserve(d.ref(), false))
        .compensateWith(CANCEL_FLIGHT, d -> new Cancel(d.ref()))
        .step("reserve-hotel")
        .invoke(HOTELS, RESERVE_HOTEL, d -> new Reserve(d.ref(), false))
        .compensateWith(CANCEL_HOTEL, d -> new Cancel(d.ref()))
        .step("reserve-car")
        .invoke(CARS, RESERVE_CAR, d -> new Reserve(d.ref(), d.failCar()))
        .pivot()
        .build();
  }
}
