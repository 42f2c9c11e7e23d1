package io.sagacoord.server.internal.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.ProtocolException;
import io.sagacoord.protocol.RefusalCode;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.inbound.InboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** What the coordinator accepts as a reply and why it quarantines the rest. */
class ParsedReplyTest {

  private static final UUID SAGA = UUID.fromString("5b0c6a8e-8c3e-4b0e-9a53-0a3c1f4b2d11");
  private static final UUID COMMAND = UUID.fromString("0f6e2f4c-3c5d-4a51-a0a4-2d1b3e9f8c77");
  private final JsonMapper json = JsonMapper.builder().build();

  private static Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(SagaHeaders.SAGA_ID, SAGA.toString());
    h.put(SagaHeaders.SAGA_TYPE, "trip-booking");
    h.put(SagaHeaders.STEP, "reserve-flight");
    h.put(SagaHeaders.PHASE, "forward");
    h.put(SagaHeaders.ATTEMPT, "2");
    h.put(SagaHeaders.COMMAND_ID, COMMAND.toString());
    h.put(SagaHeaders.MESSAGE_KIND, "reply");
    h.put(SagaHeaders.OUTCOME, "SUCCESS");
    h.put(SagaHeaders.PARTICIPANT, "flight-service");
    return h;
  }

  private static InboundMessage record(Map<String, String> headers, String body) {
    return new InboundMessage(
        "replies", 0, 7L, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  private ParsedReply parse(Map<String, String> headers, String body) {
    return ParsedReply.parse(record(headers, body), 100, json);
  }

  @Test
  void aRefusalForThePassedDeadlineIsToldFromOtherRefusals() {
    Map<String, String> h = headers();
    h.put(SagaHeaders.OUTCOME, "REFUSED");

    ParsedReply late = parse(h, "{\"reason\":\"late\",\"code\":\"DEADLINE_PASSED\"}");
    ParsedReply fenced = parse(h, "{\"reason\":\"undone\",\"code\":\"FENCED\"}");
    ParsedReply unknown = parse(h, "{\"code\":\"SOMETHING_ELSE\"}");

    assertThat(late.refusalCode()).isEqualTo(RefusalCode.DEADLINE_PASSED);
    assertThat(late.refusedForDeadline()).isTrue();
    assertThat(fenced.refusalCode()).isEqualTo(RefusalCode.FENCED);
    assertThat(fenced.refusedForDeadline()).isFalse();
    assertThat(unknown.refusalCode()).isNull();
  }

  @Test
  void aSuccessCarriesNoRefusalCodeWhateverItsBody() {
    ParsedReply reply = parse(headers(), "{\"code\":\"DEADLINE_PASSED\"}");

    assertThat(reply.refusalCode()).isNull();
    assertThat(reply.refusedForDeadline()).isFalse();
  }

  @Test
  void readsEveryHeaderOfAWellFormedReply() {
    ParsedReply reply = parse(headers(), "{\"reservationId\":42}");

    assertThat(reply.sagaId()).isEqualTo(SAGA);
    assertThat(reply.step()).isEqualTo("reserve-flight");
    assertThat(reply.phase()).isEqualTo(Phase.FORWARD);
    assertThat(reply.attempt()).isEqualTo(2);
    assertThat(reply.commandId()).isEqualTo(COMMAND);
    assertThat(reply.outcome()).isEqualTo(ReplyOutcome.SUCCESS);
    assertThat(reply.participant()).isEqualTo("flight-service");
    assertThat(reply.bodyJson()).isEqualTo("{\"reservationId\":42}");
  }

  @Test
  void rejectsAMissingHeaderNamingIt() {
    Map<String, String> h = headers();
    h.remove(SagaHeaders.OUTCOME);

    assertThatThrownBy(() -> parse(h, "{}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("missing header " + SagaHeaders.OUTCOME);
  }

  @Test
  void rejectsACommandOnTheReplyTopic() {
    Map<String, String> h = headers();
    h.put(SagaHeaders.MESSAGE_KIND, "command");

    assertThatThrownBy(() -> parse(h, "{}")).hasMessageContaining("message kind command");
  }

  @Test
  void rejectsBadValues() {
    Map<String, String> badId = headers();
    badId.put(SagaHeaders.SAGA_ID, "not-a-uuid");
    Map<String, String> badAttempt = headers();
    badAttempt.put(SagaHeaders.ATTEMPT, "0");
    Map<String, String> badPhase = headers();
    badPhase.put(SagaHeaders.PHASE, "sideways");
    Map<String, String> badOutcome = headers();
    badOutcome.put(SagaHeaders.OUTCOME, "MAYBE");

    assertThatThrownBy(() -> parse(badId, "{}")).hasMessageContaining("is not a UUID");
    assertThatThrownBy(() -> parse(badAttempt, "{}")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> parse(badPhase, "{}")).hasMessageContaining("unknown phase");
    assertThatThrownBy(() -> parse(badOutcome, "{}")).hasMessageContaining("unknown reply outcome");
  }

  @Test
  void rejectsOversizedAndMalformedBodies() {
    assertThatThrownBy(() -> parse(headers(), "\"" + "x".repeat(200) + "\""))
        .hasMessageContaining("exceeds the limit of 100");
    assertThatThrownBy(() -> parse(headers(), "{\"a\":")).hasMessageContaining("not valid JSON");
  }

  @Test
  void acceptsAnEmptyBodyAsNoBody() {
    assertThat(parse(headers(), null).bodyJson()).isNull();
  }
}
