package io.sagacoord.server.internal.reply;

import io.sagacoord.server.internal.inbound.InboundMessage;
import io.sagacoord.server.internal.storage.OutboxRow;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Handles one polled batch of replies in one database transaction. */
public interface ReplyProcessor {

  /**
   * Applies the batch and commits. Per-record problems are quarantined or logged inside; an
   * exception means the transaction did not commit and the batch must be consumed again.
   */
  Outcome process(List<InboundMessage> records);

  /**
   * @param sagasWithCommands sagas whose new outbox rows the relay must claim and send
   * @param compensating whether a compensation command was among the new rows (for the crash point)
   * @param written new outbox rows (with their ids) that the relay can send from memory once the
   *     transaction committed, without reading them back
   */
  record Outcome(Set<UUID> sagasWithCommands, boolean compensating, List<OutboxRow> written) {
    public Outcome(Set<UUID> sagasWithCommands, boolean compensating) {
      this(sagasWithCommands, compensating, List.of());
    }
  }
}
