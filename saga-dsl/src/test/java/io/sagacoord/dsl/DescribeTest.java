package io.sagacoord.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.TripSaga.TripData;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescribeTest {

  @Test
  void describesEveryStepWithKindParticipantTopicAndPolicies() {
    SagaDescription d = TripSaga.withParallelStay().describe();
    assertThat(d.steps())
        .extracting(SagaDescription.StepDescription::name)
        .containsExactly("book-flight", "book-hotel", "rent-car", "charge", "issue-itinerary");
    var car = d.steps().get(2);
    assertThat(car.group()).isEqualTo("stay");
    assertThat(car.kind()).isEqualTo(StepKind.COMPENSATABLE);
    assertThat(car.commandTopic()).isEqualTo("saga.car-service.commands");
    assertThat(car.conditional()).isTrue();
    assertThat(d.steps().get(3).kind()).isEqualTo(StepKind.PIVOT);
    assertThat(d.steps().get(3).compensationRetry()).isNull();
    assertThat(d.steps().get(4).retry()).isEqualTo(RetryPolicy.fixed(4, Duration.ofSeconds(2)));
    assertThat(d.participants()).hasSize(5);
    assertThat(d.fingerprint()).matches("[0-9a-f]{64}");
  }

  @Test
  void rendersATextTableAndJsonThatStayTheSame() {
    SagaDescription a = TripSaga.sequential().describe();
    SagaDescription b = TripSaga.sequential().describe();
    assertThat(a.toText()).isEqualTo(b.toText());
    assertThat(a.toJson()).isEqualTo(b.toJson());
    assertThat(a.toText())
        .contains("book-flight")
        .contains("CancelFlight")
        .contains("PIVOT")
        .contains("saga.payment-service.commands");
    Map<?, ?> json = new JacksonJsonCodec().decode(a.toJson(), Map.class);
    assertThat(json.get("name")).isEqualTo("trip-booking");
    assertThat(json.get("fingerprint")).isEqualTo(a.fingerprint());
    assertThat((java.util.List<?>) json.get("steps")).hasSize(5);
  }

  @Test
  void theFingerprintIgnoresCodeButFollowsStructure() {
    ParticipantRef p = ParticipantRef.named("svc");
    SagaDefinition<TripData> one =
        SagaDefinition.named("x", TripData.class)
            .step("a")
            .invoke(p, "A", d -> d.tripId())
            .noCompensation()
            .build();
    SagaDefinition<TripData> otherLambda =
        SagaDefinition.named("x", TripData.class)
            .step("a")
            .invoke(p, "A", d -> "something else")
            .noCompensation()
            .build();
    SagaDefinition<TripData> otherTimeout =
        SagaDefinition.named("x", TripData.class)
            .step("a")
            .invoke(p, "A", d -> d.tripId())
            .noCompensation()
            .timeout(Duration.ofSeconds(31))
            .build();
    SagaDefinition<TripData> otherTopic =
        SagaDefinition.named("x", TripData.class)
            .step("a")
            .invoke(p.withCommandTopic("svc.in"), "A", d -> d)
            .noCompensation()
            .build();
    assertThat(one.fingerprint()).isEqualTo(otherLambda.fingerprint());
    assertThat(one.fingerprint()).isNotEqualTo(otherTimeout.fingerprint());
    assertThat(one.fingerprint()).isNotEqualTo(otherTopic.fingerprint());
    assertThat(TripSaga.sequential().fingerprint())
        .isNotEqualTo(TripSaga.withParallelStay().fingerprint());
  }
}
