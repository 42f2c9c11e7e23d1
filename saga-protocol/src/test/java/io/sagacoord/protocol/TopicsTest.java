package io.sagacoord.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void derivesTheCommandTopicFromTheParticipantName() {
    assertThat(Topics.commandTopic("flight-service")).isEqualTo("saga.flight-service.commands");
  }

  @Test
  void derivesTheDeadLetterTopicFromTheParticipantName() {
    assertThat(Topics.deadLetterTopic("flight-service")).isEqualTo("saga.flight-service.dlq");
  }

  @Test
  void rejectsParticipantNamesThatCannotFormATopic() {
    assertThatThrownBy(() -> Topics.commandTopic("Flight Service"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Flight Service");
    assertThatThrownBy(() -> Topics.commandTopic(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesEveryWireValueBackToItsConstant() {
    for (Phase phase : Phase.values()) {
      assertThat(Phase.fromWire(phase.wireName())).isEqualTo(phase);
    }
    for (MessageKind kind : MessageKind.values()) {
      assertThat(MessageKind.fromWire(kind.wireName())).isEqualTo(kind);
    }
    for (ReplyOutcome outcome : ReplyOutcome.values()) {
      assertThat(ReplyOutcome.fromWire(outcome.name())).isEqualTo(outcome);
    }
    assertThatThrownBy(() -> Phase.fromWire("sideways"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("sideways");
    assertThatThrownBy(() -> ReplyOutcome.fromWire(null)).isInstanceOf(ProtocolException.class);
  }
}
