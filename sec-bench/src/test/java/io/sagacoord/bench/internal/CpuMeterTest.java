package io.sagacoord.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuMeterTest {

  // user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice, then nanoTime
  private static long[] reading(
      long user, long system, long idle, long iowait, long steal, long nanos) {
    return new long[] {user, 0, system, idle, iowait, 0, 0, steal, 0, 0, nanos};
  }

  @Test
  void machineCoresCountsWorkAsBusyAndTheHypervisorsShareAsSteal() {
    long[] before = reading(1_000, 200, 5_000, 10, 30, 0);
    // 10 s later: 1,200 ticks of user and 300 of system (15 core-seconds), 50 of steal
    long[] after = reading(2_200, 500, 5_400, 40, 80, 10_000_000_000L);

    assertThat(CpuMeter.machineCores(before, after))
        .containsEntry("busy", 1.5)
        .containsEntry("steal", 0.05);
  }

  @Test
  void machineCoresIsEmptyWithoutTwoReadingsApart() {
    assertThat(CpuMeter.machineCores(new long[0], new long[0])).isEmpty();
    long[] one = reading(1_000, 200, 5_000, 10, 30, 5);
    assertThat(CpuMeter.machineCores(one, one)).isEmpty();
  }

  @Test
  void perSagaGivesEachPartAndATotalWithoutTheOfWhichParts() {
    Map<String, Double> before = Map.of("coordinator", 1.0, "postgres", 2.0, "of_which_jit", 0.5);
    Map<String, Double> after = Map.of("coordinator", 2.0, "postgres", 4.0, "of_which_jit", 1.0);

    assertThat(CpuMeter.perSaga(before, after, 100))
        .containsEntry("coordinator", 10.0)
        .containsEntry("postgres", 20.0)
        .containsEntry("of_which_jit", 5.0)
        .containsEntry("total", 30.0);
  }

  @Test
  void perSagaLeavesTheTotalOutWhenAPartIsMissingFromOneSnapshot() {
    // the broker's process unreadable at the end: a total without it would look like a saving
    Map<String, Double> before = Map.of("coordinator", 1.0, "driver_and_kafka", 3.0);
    Map<String, Double> after = Map.of("coordinator", 2.0);

    Map<String, Double> per = CpuMeter.perSaga(before, after, 100);
    assertThat(per).containsEntry("coordinator", 10.0).doesNotContainKey("driver_and_kafka");
    assertThat(per.get("total")).isNull();
    assertThat(per).containsKey("total");
  }

  @Test
  void machineReadsThisMachinesCpuLine() {
    long[] now = CpuMeter.machine();
    // on Linux: at least the ten tick fields and the time of the reading
    if (now.length > 0) {
      assertThat(now.length).isGreaterThanOrEqualTo(11);
      assertThat(now[3]).as("idle ticks").isPositive();
    }
  }
}
