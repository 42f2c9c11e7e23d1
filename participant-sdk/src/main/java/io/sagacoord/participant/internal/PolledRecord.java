package io.sagacoord.participant.internal;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record as the poll thread read it: either a command or the reason it is poison, with the key
 * whose order it keeps and the progress of the partition it came from.
 */
record PolledRecord(
    ConsumerRecord<String, byte[]> record,
    InboundCommand command,
    String poison,
    String key,
    PartitionProgress partition) {}
