package io.sagacoord.json.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.testing.SagaHarness;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class JacksonJsonCodecTest {

  record Order(String id, LocalDate due, List<String> lines, String reservation) {
    Order withReservation(String r) {
      return new Order(id, due, lines, r);
    }
  }

  record Reserve(String orderId) {}

  record Release(String reservation) {}

  record Reserved(String reservation) {}

  private static final SagaDefinition<Order> ORDER =
      SagaDefinition.named("order", Order.class)
          .version(1)
          .step("reserve")
          .invoke(ParticipantRef.named("stock"), "Reserve", o -> new Reserve(o.id()))
          .onReply(Reserved.class, (o, r) -> o.withReservation(r.reservation()))
          .compensateWith("Release", o -> new Release(o.reservation()))
          .build();

  @Test
  void roundTripsRecordsWithDatesAndEncodesTheSameValueToTheSameText() {
    JacksonJsonCodec codec = new JacksonJsonCodec();
    Order order = new Order("o-1", LocalDate.of(2030, 2, 3), List.of("a", "b"), null);

    String json = codec.encode(order);

    assertThat(codec.decode(json, Order.class)).isEqualTo(order);
    assertThat(codec.encode(codec.decode(json, Order.class))).isEqualTo(json);
  }

  @Test
  void harnessFindsThisCodecWithoutBeingGivenOne() {
    SagaHarness<Order> saga =
        SagaHarness.given(ORDER)
            .start(new Order("o-2", LocalDate.of(2030, 2, 3), List.of("a"), null));

    saga.expectCommand("stock", "Reserve")
        .withPayload(Reserve.class, r -> assertThat(r.orderId()).isEqualTo("o-2"))
        .replySuccess(new Reserved("R-9"))
        .expectStatus(SagaStatus.COMPLETED)
        .expectData(o -> assertThat(o.reservation()).isEqualTo("R-9"));
  }
}
