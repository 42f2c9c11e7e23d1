package io.sagacoord.bench.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How many records each consumer group has not committed yet (end offset minus committed offset,
 * summed over its partitions): where a backlog waits, between the coordinator and the participants.
 */
final class KafkaLag implements AutoCloseable {

  private final Admin admin;

  KafkaLag(String bootstrapServers) {
    this.admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "bench-lag"));
  }

  /** Lag per consumer group; an empty map if the broker did not answer in time. */
  Map<String, Long> snapshot() {
    Map<String, Long> lag = new TreeMap<>();
    try {
      for (ConsumerGroupListing group :
          admin.listConsumerGroups().all().get(10, TimeUnit.SECONDS)) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin
                .listConsumerGroupOffsets(group.groupId())
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        long sum = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
          if (e.getValue() != null && ends.containsKey(e.getKey())) {
            sum += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
          }
        }
        lag.put(group.groupId(), sum);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.err.println("reading consumer lag failed: " + e);
    }
    return lag;
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
