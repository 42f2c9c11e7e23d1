package io.sagacoord.server.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.internal.storage.SagaRow;
import io.sagacoord.server.internal.storage.TimerDao;
import io.sagacoord.server.internal.storage.TimerRow;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WriteBatchTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final UUID saga = UUID.randomUUID();
  private final UUID other = UUID.randomUUID();

  private TimerRow timer(UUID sagaId, String step, int attempt) {
    return new TimerRow(null, sagaId, "STEP_TIMEOUT", step, "forward", attempt, NOW);
  }

  private SagaRow row(UUID id, int lastSeq) {
    return new SagaRow(
        id, "t", 1, "f", "RUNNING", null, null, "{}", "{}", null, null, NOW, NOW, lastSeq);
  }

  @Test
  void aCancelBeforeAScheduleForTheSameStepKeepsTheNewTimer() {
    WriteBatch batch = new WriteBatch();
    batch.insertTimers(List.of(timer(saga, "s1", 1)));
    batch.cancelTimers(saga, "s1");
    batch.insertTimers(List.of(timer(saga, "s1", 2)));

    WriteBatch.Resolved r = batch.resolve();

    assertThat(r.cancels()).containsExactly(new TimerDao.Cancel(saga, "s1"));
    assertThat(r.timers()).extracting(TimerRow::attempt).containsExactly(2);
  }

  @Test
  void aCancelOfAllTimersTouchesOnlyItsSaga() {
    WriteBatch batch = new WriteBatch();
    batch.insertTimers(List.of(timer(saga, "s1", 1), timer(saga, null, 0)));
    batch.insertTimers(List.of(timer(other, "s1", 1)));
    batch.cancelTimers(saga, null);

    WriteBatch.Resolved r = batch.resolve();

    assertThat(r.timers()).extracting(TimerRow::sagaId).containsExactly(other);
    assertThat(r.cancels()).containsExactly(new TimerDao.Cancel(saga, null));
  }

  @Test
  void aStepCancelLeavesTheDeadlineAndOtherSteps() {
    WriteBatch batch = new WriteBatch();
    batch.insertTimers(List.of(timer(saga, null, 0), timer(saga, "s2", 1), timer(saga, "s1", 1)));
    batch.cancelTimers(saga, "s1");

    assertThat(batch.resolve().timers()).extracting(TimerRow::step).containsExactly(null, "s2");
  }

  @Test
  void onlyTheLastRowOfASagaIsWrittenAndAnInsertedSagaIsInsertedInItsLatestState() {
    UUID fresh = UUID.randomUUID();
    WriteBatch batch = new WriteBatch();
    batch.updateInstance(row(saga, 3));
    batch.insertInstance(row(fresh, 1));
    batch.updateInstance(row(saga, 5));
    batch.updateInstance(row(fresh, 2));

    WriteBatch.Resolved r = batch.resolve();

    assertThat(r.updates()).singleElement().extracting(SagaRow::lastSeq).isEqualTo(5);
    assertThat(r.inserts()).singleElement().extracting(SagaRow::lastSeq).isEqualTo(2);
  }

  @Test
  void appendedWritesKeepTheirOrder() {
    WriteBatch first = new WriteBatch();
    first.insertTimers(List.of(timer(saga, "s1", 1)));
    WriteBatch second = new WriteBatch();
    second.cancelTimers(saga, "s1");
    second.insertTimers(List.of(timer(saga, "s1", 2)));

    first.append(second);

    assertThat(first.resolve().timers()).extracting(TimerRow::attempt).containsExactly(2);
  }
}
