package io.sagacoord.participant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.flight.CancelFlight;
import io.sagacoord.participant.flight.ReserveFlight;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class CommandRecordParserTests {
  private final CommandRecordParser parser =
      new CommandRecordParser(
          Map.of(
              "flight.reserve",
              HandlerRegistration.forward(
                  "flight.reserve", ReserveFlight.class, (c, x) -> Outcome.done()),
              "flight.cancel",
              HandlerRegistration.compensation(
                  "flight.cancel", CancelFlight.class, (c, x) -> Outcome.done())),
          JsonMapper.builder().build());
  private final UUID saga = UUID.randomUUID();

  private RecordHeaders headers(String phase, String type) {
    RecordHeaders h = new RecordHeaders();
    put(h, SagaHeaders.SAGA_ID, saga.toString());
    put(h, SagaHeaders.SAGA_TYPE, "trip-booking");
    put(h, SagaHeaders.STEP, "reserve-flight");
    put(h, SagaHeaders.PHASE, phase);
    put(h, SagaHeaders.ATTEMPT, "2");
    put(h, SagaHeaders.COMMAND_ID, "c-1");
    put(h, SagaHeaders.MESSAGE_KIND, "command");
    put(h, SagaHeaders.COMMAND_TYPE, type);
    put(h, SagaHeaders.REPLY_TOPIC, "saga.coordinator.replies");
    return h;
  }

  private static void put(RecordHeaders h, String name, String value) {
    h.remove(name);
    h.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsHeadersDeadlineAndBody() throws Exception {
    RecordHeaders h = headers("forward", "flight.reserve");
    put(h, SagaHeaders.DEADLINE, "1893456000000");
    InboundCommand cmd =
        parser.parse(
            saga.toString(), h, json("{\"flight\":\"LX1\",\"passenger\":\"Ada\",\"x\":1}"));
    assertThat(cmd.sagaId()).isEqualTo(saga);
    assertThat(cmd.phase()).isEqualTo(Phase.FORWARD);
    assertThat(cmd.attempt()).isEqualTo(2);
    assertThat(cmd.deadline()).isEqualTo(Instant.ofEpochMilli(1893456000000L));
    assertThat(cmd.command()).isEqualTo(new ReserveFlight("LX1", "Ada"));
  }

  @Test
  void ignoresADeadlineOnACompensation() throws Exception {
    RecordHeaders h = headers("compensate", "flight.cancel");
    put(h, SagaHeaders.DEADLINE, "1");
    assertThat(parser.parse(null, h, json("{\"flight\":\"LX1\",\"passenger\":\"Ada\"}")).deadline())
        .isNull();
  }

  @Test
  void explainsEveryKindOfPoison() {
    byte[] body = json("{\"flight\":\"LX1\",\"passenger\":\"Ada\"}");
    RecordHeaders missing = headers("forward", "flight.reserve");
    missing.remove(SagaHeaders.COMMAND_ID);
    assertPoison(missing, body, "missing header saga-command-id");
    assertPoison(headers("forward", "flight.fly"), body, "unknown command type 'flight.fly'");
    assertPoison(headers("compensate", "flight.reserve"), body, "is handled as forward");
    assertPoison(headers("sideways", "flight.reserve"), body, "unknown phase");
    assertPoison(headers("forward", "flight.reserve"), json("[1,2"), "body is not a valid");
    assertPoison(headers("forward", "flight.reserve"), null, "no body");
    RecordHeaders badSaga = headers("forward", "flight.reserve");
    put(badSaga, SagaHeaders.SAGA_ID, "42");
    assertPoison(badSaga, body, "not a UUID");
    RecordHeaders reply = headers("forward", "flight.reserve");
    put(reply, SagaHeaders.MESSAGE_KIND, "reply");
    assertPoison(reply, body, "expected command");
    RecordHeaders zero = headers("forward", "flight.reserve");
    put(zero, SagaHeaders.ATTEMPT, "0");
    assertPoison(zero, body, "at least 1");
    assertThatThrownBy(() -> parser.parse("other-key", headers("forward", "flight.reserve"), body))
        .isInstanceOf(PoisonRecordException.class)
        .hasMessageContaining("is not the saga id");
  }

  private void assertPoison(RecordHeaders h, byte[] body, String reason) {
    assertThatThrownBy(() -> parser.parse(saga.toString(), h, body))
        .isInstanceOf(PoisonRecordException.class)
        .hasMessageContaining(reason);
  }
}
