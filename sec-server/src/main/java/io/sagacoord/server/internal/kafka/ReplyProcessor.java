package io.sagacoord.server.internal.kafka;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Handles one polled batch of replies in one database transaction (implemented by the engine glue).
 */
public interface ReplyProcessor {

  /**
   * Applies the batch and commits. Per-record problems are quarantined or logged inside; an
   * exception means the transaction did not commit and the batch must be consumed again.
   */
  Outcome process(List<ConsumerRecord<String, byte[]>> records);

  /**
   * @param sagasWithCommands sagas that got new outbox rows
   * @param compensating whether a compensation command was among them (for the crash point)
   */
  record Outcome(Set<UUID> sagasWithCommands, boolean compensating) {}
}
