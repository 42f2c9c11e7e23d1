package io.sagacoord.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.bench.internal.BenchRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the benchmark's smoke mode end to end (coordinator and participants in child JVMs, real
 * Postgres and Kafka) and checks only that every saga started ends, completed or compensated, that
 * every completed saga's hops are measured, and that the result file is written with every headline
 * key; never a timing.
 *
 * <p>The load phase is 3 s at the smoke mode's 20 sagas/s: 60 sagas, every tenth of which is made
 * to fail, so both outcomes occur. The mode's default phase ({@code bench.smoke.seconds}, 15 s)
 * stays for runs by hand; these checks need no more sagas.
 */
class BenchSmokeTest {

  private static final int SMOKE_SECONDS = 3;

  @BeforeEach
  void shortLoadPhase() {
    System.setProperty("bench.smoke.seconds", Integer.toString(SMOKE_SECONDS));
  }

  @AfterEach
  void defaultLoadPhase() {
    System.clearProperty("bench.smoke.seconds");
  }

  @Test
  void smokeModeCompletesSagasAndWritesTheResultWithUnmeasuredKeysNull() throws Exception {
    Path json = BenchMain.run("smoke");

    assertThat(json).exists();
    assertThat(json.resolveSibling("result.md")).exists();
    JsonNode result = JsonMapper.builder().build().readTree(Files.readString(json));
    assertThat(result.get("mode").asString()).isEqualTo("smoke");
    for (String key : BenchRunner.KEYS) {
      assertThat(result.has(key)).as(key).isTrue();
      assertThat(result.get(key).isNull()).as(key).isTrue();
    }
    assertEverySagaEnded(result.get("smoke"));
    assertHopsOfEveryCompletedSaga(result.get("smoke"));
  }

  @Test
  void smokeModeWithTheParticipantsBehindTheSagaBridgeCompletesAndCompensatesSagas()
      throws Exception {
    System.setProperty("bench.bridged", "true");
    System.setProperty("bench.out", "target/bench-smoke-bridged");
    Path json;
    try {
      json = BenchMain.run("smoke");
    } finally {
      System.clearProperty("bench.bridged");
      System.clearProperty("bench.out");
    }

    JsonNode result = JsonMapper.builder().build().readTree(Files.readString(json));
    assertThat(result.get("participants").asString()).isEqualTo("bridged");
    assertEverySagaEnded(result.get("smoke"));
    assertHopsOfEveryCompletedSaga(result.get("smoke"));
  }

  private static void assertEverySagaEnded(JsonNode smoke) {
    long started = smoke.get("started").asLong();
    assertThat(started).isPositive();
    assertThat(smoke.get("start_errors").asLong()).isZero();
    assertThat(smoke.get("not_terminal").asLong()).isZero();
    assertThat(smoke.get("completed").asLong()).isPositive();
    assertThat(smoke.get("compensated").asLong()).isPositive();
    assertThat(smoke.get("completed").asLong() + smoke.get("compensated").asLong())
        .isEqualTo(started);
  }

  private static void assertHopsOfEveryCompletedSaga(JsonNode smoke) {
    JsonNode hops = smoke.get("hops_ms");
    assertThat(hops.get("sagas").asLong()).isEqualTo(smoke.get("completed").asLong());
    assertThat(hops.get("negative_hops_counted_as_0").asLong()).isZero();
    for (String hop :
        List.of(
            "start_to_flight",
            "flight_to_applied",
            "applied_to_hotel",
            "hotel_to_applied",
            "applied_to_car",
            "car_to_applied",
            "applied_to_finished",
            "coordinator_out_ms",
            "participant_back_ms")) {
      for (String percentile : List.of("p50", "p90", "p99")) {
        JsonNode value = hops.get(hop).get(percentile);
        assertThat(value.isNumber()).as(hop + " " + percentile).isTrue();
        assertThat(value.asDouble()).as(hop + " " + percentile).isNotNegative();
      }
    }
  }
}
