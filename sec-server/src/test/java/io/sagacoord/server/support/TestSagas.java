package io.sagacoord.server.support;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import java.time.Duration;
import java.util.List;

/** Test saga definitions on per-run participant topics. */
public final class TestSagas {

  public static final String TRIP = "test-trip";
  public static final String DEADLINE = "test-deadline";
  public static final List<String> TRIP_STEPS = List.of("s1", "s2", "s3", "s4");

  /** A reply body that makes the s1 reply handler throw. */
  public record Reply(boolean boom, String value) {}

  private TestSagas() {}

  /** Participant of a step: one per step, named p-s1 .. on topics with the given suffix. */
  public static ParticipantRef participant(String step, String suffix) {
    return new ParticipantRef("p-" + step, "saga.p-" + step + ".commands." + suffix);
  }

  /**
   * s1, s2, s3 compensatable, s4 the pivot. Timeout 2 s, 3 forward attempts 100 ms apart, 5
   * compensation attempts.
   */
  public static SagaDefinition<TestData> trip(String suffix) {
    return trip(suffix, 1);
  }

  /** The trip saga under another version number (a different fingerprint). */
  public static SagaDefinition<TestData> trip(String suffix, int version) {
    return trip(suffix, version, Duration.ofSeconds(2));
  }

  /** The trip saga with another step timeout. */
  public static SagaDefinition<TestData> trip(String suffix, int version, Duration timeout) {
    return SagaDefinition.named(TRIP, TestData.class)
        .version(version)
        .defaultTimeout(timeout)
        .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(100)))
        .defaultCompensationRetry(RetryPolicy.fixed(5, Duration.ofMillis(100)))
        .step("s1")
        .invoke(participant("s1", suffix), "s1.do", d -> d)
        .onReply(
            Reply.class,
            (d, r) -> {
              if (r.boom()) {
                throw new IllegalStateException("reply handler exploded on purpose");
              }
              return d.withNote(r.value());
            })
        .compensateWith("s1.undo", d -> d)
        .step("s2")
        .invoke(participant("s2", suffix), "s2.do", d -> d)
        .compensateWith("s2.undo", d -> d)
        .step("s3")
        .invoke(participant("s3", suffix), "s3.do", d -> d)
        .compensateWith("s3.undo", d -> d)
        .step("s4")
        .invoke(participant("s4", suffix), "s4.do", d -> d)
        .pivot()
        .build();
  }

  /** One compensatable step and a 1 s deadline; its participant never answers forward commands. */
  public static SagaDefinition<TestData> deadline(String suffix) {
    return SagaDefinition.named(DEADLINE, TestData.class)
        .deadline(Duration.ofSeconds(1))
        .defaultTimeout(Duration.ofSeconds(30))
        .defaultCompensationRetry(RetryPolicy.fixed(5, Duration.ofMillis(100)))
        .step("s1")
        .invoke(participant("s1", suffix), "s1.do", d -> d)
        .compensateWith("s1.undo", d -> d)
        .step("s4")
        .invoke(participant("s4", suffix), "s4.do", d -> d)
        .pivot()
        .build();
  }
}
