package io.sagacoord.participant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The take policy of the lanes: every ready lane to an idle handler, one saga in one hand. */
class KeyOrderedQueueTests {
  private final PartitionProgress partition = new PartitionProgress(new TopicPartition("t", 0));
  private final KeyOrderedQueue queue = new KeyOrderedQueue();
  private long nextOffset;

  private PolledRecord record(String key) {
    long offset = nextOffset++;
    partition.read(offset);
    return new PolledRecord(
        new ConsumerRecord<>("t", 0, offset, key, new byte[0]), null, "test", key, partition);
  }

  private static List<String> keys(KeyOrderedQueue.Batch batch) {
    return batch.records().stream().map(PolledRecord::key).toList();
  }

  private static List<Long> offsets(KeyOrderedQueue.Batch batch) {
    return batch.records().stream().map(r -> r.record().offset()).toList();
  }

  @Test
  void anIdleHandlerTakesEveryReadyLaneInOneBatch() throws Exception {
    queue.addAll(List.of(record("a"), record("b"), record("c"), record("d"), record("e")));

    KeyOrderedQueue.Batch batch = queue.take(500);

    assertThat(batch.lanes()).extracting(lane -> lane.key).containsExactly("a", "b", "c", "d", "e");
    assertThat(keys(batch)).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void aBatchStopsAtItsMostRecordsAndLeavesTheRestToTheNextHandler() throws Exception {
    queue.addAll(List.of(record("a"), record("b"), record("c"), record("d"), record("e")));

    KeyOrderedQueue.Batch first = queue.take(2);
    KeyOrderedQueue.Batch second = queue.take(500);

    assertThat(keys(first)).containsExactly("a", "b");
    assertThat(keys(second)).containsExactly("c", "d", "e");
  }

  @Test
  void recordsOfAHeldLaneWaitForItsHandlerWhileOtherLanesGoToTheNextHandler() throws Exception {
    queue.add(record("a"));
    KeyOrderedQueue.Batch held = queue.take(500);

    queue.addAll(List.of(record("a"), record("b"), record("a")));
    KeyOrderedQueue.Batch next = queue.take(500);

    assertThat(keys(next)).containsExactly("b");
    queue.release(next, List.of());
    queue.release(held, List.of());
    KeyOrderedQueue.Batch afterRelease = queue.take(500);
    assertThat(keys(afterRelease)).containsExactly("a", "a");
    assertThat(offsets(afterRelease)).containsExactly(1L, 3L);
  }

  @Test
  void aLaneGivesItsRecordsInTheOrderReadAndUnhandledOnesGoBackInFront() throws Exception {
    queue.addAll(List.of(record("a"), record("b"), record("a"), record("a")));
    KeyOrderedQueue.Batch batch = queue.take(500);
    assertThat(keys(batch)).containsExactly("a", "a", "a", "b");
    assertThat(offsets(batch)).containsExactly(0L, 2L, 3L, 1L);

    // the batch handled the first record of each lane; one more record of a arrives meanwhile
    queue.add(record("a"));
    List<PolledRecord> unhandled = batch.records().subList(1, 3);
    queue.release(batch, unhandled);

    KeyOrderedQueue.Batch again = queue.take(500);
    assertThat(keys(again)).containsExactly("a", "a", "a");
    assertThat(offsets(again)).containsExactly(2L, 3L, 4L);
  }

  @Test
  void takeGivesNothingOnceTheQueueIsClosed() throws Exception {
    queue.add(record("a"));
    queue.close();

    assertThat(queue.take(500)).isNull();
  }
}
